/**
 * `provision rollback` on older K3s (no data/cni: plugins in data/current/bin, linked to
 * `cni` relatively, `cni` itself the binary) with a custom data dir, judged by the nodes'
 * files: Multus's files go, K3s's relative links stay, the conf dir and the Flannel conflist
 * are as before.
 */
import t from 'tap';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import { bundleHash, OLD_K3S_VERSION } from './k3s-standin.ts';
import { REPO_ROOT, runInProcess } from '../helpers/run-provision.ts';
import { K3S_NAMES } from './rollback-checks.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const DATA = '/var/lib/rancher/k3s-alt';

t.test('rollback on the data/current/bin layout with a custom data dir', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 2, k3sVersion: OLD_K3S_VERSION, dataDir: DATA, podStartDelayMs: 50 });
  t.teardown(() => cluster.stop());
  const bin = `${DATA}/data/${bundleHash(OLD_K3S_VERSION)}/bin`;
  const conf = `${DATA}/agent/etc/cni/net.d`;
  const flannel = readFileSync(cluster.lab.hostPath('node2', `${conf}/10-flannel.conflist`));
  const installed = await runInProcess(cluster.inventoryFile, join(REPO_ROOT, 'playbooks/install.yaml'));
  t.equal(installed.summary.exitCode, 0, JSON.stringify(installed.summary.failures));
  t.ok(lstatSync(cluster.lab.hostPath('node2', `${bin}/multus-shim`)).isFile(), 'installed into the bundle');
  const run = await runInProcess(cluster.inventoryFile, join(REPO_ROOT, 'playbooks/rollback.yaml'));
  t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
  for (const node of ['node1', 'node2']) {
    t.same(readdirSync(cluster.lab.hostPath(node, bin)).sort(), [...K3S_NAMES].sort(), `${node}: only K3s's entries in ${bin}`);
    t.ok(lstatSync(cluster.lab.hostPath(node, `${bin}/cni`)).isFile(), `${node}: cni is the binary`);
    for (const name of K3S_NAMES.filter((n) => n !== 'cni')) t.equal(readlinkSync(cluster.lab.hostPath(node, `${bin}/${name}`)), 'cni', `${node}: ${name} -> cni`);
    t.same(readdirSync(cluster.lab.hostPath(node, conf)), ['10-flannel.conflist'], `${node}: conf dir as before`);
    t.notOk(existsSync(cluster.lab.hostPath(node, '/run/multus')), `${node}: /run/multus gone`);
    t.notOk(existsSync(cluster.lab.hostPath(node, '/var/lib/cni/multus')), `${node}: /var/lib/cni/multus gone`);
  }
  t.same(readFileSync(cluster.lab.hostPath('node2', `${conf}/10-flannel.conflist`)), flannel, 'Flannel conflist byte-identical');
  const again = await runInProcess(cluster.inventoryFile, join(REPO_ROOT, 'playbooks/rollback.yaml'));
  t.equal(again.summary.exitCode, 0);
  for (const node of ['node1', 'node2']) t.equal(again.summary.recap[node]?.changed, 0, `${node}: second rollback 0 changed`);
});
