/**
 * The lab cluster with a custom K3s data dir and an older K3s (no data/cni): the
 * simulation follows the paths in the applied DaemonSet, not defaults, and a K3s upgrade
 * creates the stable bin dir. The inventory it writes loads as a k3s-ansible inventory.
 */
import t from 'tap';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { sh } from '../../src/connection/quote.ts';
import { renderMultusManifest } from '../../tasks/multus/render.ts';
import { loadInventory } from '../../src/inventory/load.ts';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import { bundleHash, DEFAULT_K3S_VERSION, OLD_K3S_VERSION } from './k3s-standin.ts';

const support = labSupport();
if (!support.ok) {
  t.plan(0, `lab cannot run here: ${support.reason}`);
  process.exit(0);
}

const DATA = '/var/lib/rancher/k3s-alt';
const cluster = await startCluster({ nodes: 2, dataDir: DATA, k3sVersion: OLD_K3S_VERSION, podStartDelayMs: 50 });
t.teardown(() => cluster.stop());
const { lab } = cluster;
const host = (node: string, path: string) => lab.hostPath(node, path);
const OLD_BIN = `${DATA}/data/${bundleHash(OLD_K3S_VERSION)}/bin`;

async function apply(yaml: string): Promise<void> {
  const r = await lab.exec('node1', sh`printf '%s\n' ${yaml} | k3s kubectl apply --server-side --field-manager=provision -f -`);
  if (r.exitCode !== 0) throw new Error(`apply failed: ${r.stderr}`);
}

const dsStatus = () =>
  cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds')?.status as Record<string, number> | undefined;

t.test('an older K3s has no data/cni, and the config names the data dir', async (t) => {
  t.throws(() => lstatSync(host('node1', `${DATA}/data/cni`)), { code: 'ENOENT' });
  t.equal(readlinkSync(host('node1', `${DATA}/data/current`)), `${DATA}/data/${bundleHash(OLD_K3S_VERSION)}`);
  t.equal(readlinkSync(host('node1', `${OLD_BIN}/host-local`)), 'cni');
  t.match(readFileSync(host('node1', '/etc/rancher/k3s/config.yaml'), 'utf8'), `data-dir: ${DATA}`);
  t.match((await lab.exec('node2', 'k3s --version')).stdout, /^k3s version v1\.28\.14\+k3s1 \(/);
  const inventory = loadInventory(cluster.inventoryFile);
  t.same(inventory.hosts.map((h) => [h.name, h.groups]), [
    ['node1', ['all', 'k3s_cluster', 'server']],
    ['node2', ['all', 'k3s_cluster', 'agent']],
  ]);
  t.equal(inventory.hosts[0].vars.k3s_data_dir, DATA);
});

t.test('a manifest for the wrong data dir leaves the pods failing on their volumes', async (t) => {
  await apply(renderMultusManifest({ k3s_cni_layout: 'current' }).yaml);
  await cluster.sim.idle();
  t.equal(dsStatus()?.numberReady, 0);
  const pods = cluster.api.store.list('v1', 'Pod', { namespace: 'kube-system' });
  t.equal(pods.length, 2);
  const ready = (pods[0].status as { conditions: Array<{ type: string; message?: string }> }).conditions.find((c) => c.type === 'Ready');
  t.match(ready?.message, 'hostPath type check failed: /var/lib/rancher/k3s/agent/etc/cni/net.d is not a directory');
});

t.test('the right manifest installs into data/current/bin, through the data/current link', async (t) => {
  await apply(renderMultusManifest({ k3s_data_dir: DATA, k3s_cni_layout: 'current' }).yaml);
  await cluster.sim.idle();
  t.equal(dsStatus()?.observedGeneration, 2, 'the changed spec was rolled out');
  t.equal(dsStatus()?.numberReady, 2);
  for (const name of ['multus-shim', 'passthru', 'ipvlan']) t.ok(lstatSync(host('node2', `${OLD_BIN}/${name}`)).isFile(), `${name} in the bundle's bin`);
  t.ok(lstatSync(host('node2', `${DATA}/agent/etc/cni/net.d/00-multus.conf`)).isFile());
});

t.test('upgrading to a K3s with data/cni creates it and moves data/current away from multus-shim', async (t) => {
  const result = cluster.upgradeK3s('node2', DEFAULT_K3S_VERSION);
  const target = `${DATA}/data/${bundleHash(DEFAULT_K3S_VERSION)}/bin/cni`;
  t.same(result.created.sort(), ['bandwidth', 'bridge', 'cni', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap']);
  for (const name of result.created) t.equal(readlinkSync(host('node2', `${DATA}/data/cni/${name}`)), target, `data/cni/${name}`);
  t.equal(readlinkSync(host('node2', `${DATA}/data/previous`)), `${DATA}/data/${bundleHash(OLD_K3S_VERSION)}`);
  t.throws(() => lstatSync(host('node2', `${DATA}/data/current/bin/multus-shim`)), { code: 'ENOENT' }, 'the new bundle has no multus-shim');
  const nodes = await lab.exec('node1', 'k3s kubectl get node node2 -o jsonpath={.status.nodeInfo.kubeletVersion}');
  t.equal(nodes.stdout, DEFAULT_K3S_VERSION);
});
