/**
 * The lab cluster end to end: real kubectl through `k3s kubectl` on a node applies the
 * rendered Multus manifest, and the simulation makes its effects appear on every node's
 * files and sockets; knobs reproduce the failure modes of docs/k3s-multus.md §3–§9.
 */
import t from 'tap';
import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { stringify } from 'yaml';
import { sh } from '../../src/connection/quote.ts';
import { renderMultusManifest } from '../../tasks/multus/render.ts';
import { labSupport } from './lab.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { run } from './host-commands.ts';
import { bundleHash, DEFAULT_K3S_VERSION } from './k3s-standin.ts';

const support = labSupport();
if (!support.ok) {
  t.plan(0, `lab cannot run here: ${support.reason}`);
  process.exit(0);
}

const DATA = '/var/lib/rancher/k3s';
const CNI_DIR = `${DATA}/data/cni`;
const CONF_DIR = `${DATA}/agent/etc/cni/net.d`;
const K3S_NAMES = ['cni', 'bandwidth', 'bridge', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap'];
const APPLY = 'k3s kubectl apply --server-side --field-manager=provision -f -';

const cluster: Cluster = await startCluster({ nodes: 3, podStartDelayMs: 200 });
t.teardown(() => cluster.stop());
const { lab } = cluster;
const host = (node: string, path: string) => lab.hostPath(node, path);

async function applyOnNode1(yaml: string): Promise<void> {
  const r = await lab.exec('node1', sh`printf '%s\n' ${yaml} | ${APPLY.split(' ')}`);
  if (r.exitCode !== 0) throw new Error(`apply failed: ${r.stderr}`);
}

function dsStatus(): Record<string, number> | undefined {
  const ds = cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds');
  return ds?.status as Record<string, number> | undefined;
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const healthz = (node: string) => lab.exec(node, 'curl -s -o /dev/null -w %{http_code} -X POST --unix-socket /run/multus/multus.sock http://multus/healthz');
const exists = (file: string) => {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
};
const k3sTarget = (version: string) => `${DATA}/data/${bundleHash(version)}/bin/cni`;

t.test('k3s on a node answers --version and reaches the API with the real kubectl over ssh', async (t) => {
  const version = await lab.exec('node2', 'k3s --version');
  t.equal(version.stdout, `k3s version ${DEFAULT_K3S_VERSION} (6da204df)\ngo version go1.22.8\n`);
  const ssh = await run('ssh', [
    '-i', lab.rootKeyFile, '-o', `UserKnownHostsFile=${lab.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes',
    `root@${lab.nodes[0].address}`, 'k3s kubectl get nodes -o name; readlink /usr/local/bin/kubectl',
  ]);
  t.equal(ssh.exitCode, 0, ssh.stderr);
  t.equal(ssh.stdout, 'node/node1\nnode/node2\nnode/node3\nk3s\n');
  const kubeconfig = readFileSync(host('node3', '/etc/rancher/k3s/k3s.yaml'), 'utf8');
  t.match(kubeconfig, `server: ${cluster.api.url}`, 'each node keeps the kubeconfig where K3s does');
  t.equal(statSync(host('node3', '/etc/rancher/k3s/k3s.yaml')).mode & 0o777, 0o600);
});

t.test('the K3s layout is at the real paths', async (t) => {
  for (const name of K3S_NAMES) t.equal(readlinkSync(host('node1', `${CNI_DIR}/${name}`)), k3sTarget(DEFAULT_K3S_VERSION), `data/cni/${name}`);
  t.equal(readlinkSync(host('node1', `${DATA}/data/${bundleHash(DEFAULT_K3S_VERSION)}/bin/host-local`)), 'cni');
  const flannel = JSON.parse(readFileSync(host('node1', `${CONF_DIR}/10-flannel.conflist`), 'utf8'));
  t.same([flannel.name, flannel.cniVersion, flannel.plugins.map((p: { type: string }) => p.type)], ['cbr0', '1.0.0', ['flannel', 'portmap', 'bandwidth']]);
  t.match(readFileSync(host('node2', '/run/flannel/subnet.env'), 'utf8'), 'FLANNEL_SUBNET=10.42.1.1/24');
  const hostLocal = await lab.exec('node1', `CNI_COMMAND=VERSION ${CNI_DIR}/host-local; ${CNI_DIR}/bridge`);
  t.match(hostLocal.stdout, /"supportedVersions":\[.*"1\.0\.0".*\]\}\nbridge \(K3s/, 'the multicall stand-in answers by its name');
});

t.test('applying the rendered manifest runs Multus on every node, ready 1/3 … 3/3', async (t) => {
  // Every stored change of the DaemonSet is seen (a watch, not a poll), so no step can be missed.
  const seen: number[] = [];
  const unwatch = cluster.api.store.watch((event) => {
    const o = event.object;
    if (o.kind !== 'DaemonSet' || o.metadata?.name !== 'kube-multus-ds') return;
    const ready = (o.status as Record<string, number> | undefined)?.numberReady;
    if (ready !== undefined && seen.at(-1) !== ready) seen.push(ready);
  });
  await applyOnNode1(renderMultusManifest({}).yaml);
  await until('3/3 ready', () => dsStatus()?.numberReady === 3 && dsStatus()?.updatedNumberScheduled === 3);
  unwatch();
  t.same(seen, [0, 1, 2, 3], 'a waiter sees the DaemonSet become ready node by node');
  t.equal(dsStatus()?.observedGeneration, 1);
  const pods = cluster.api.store.list('v1', 'Pod', { namespace: 'kube-system', labelSelector: 'name=multus' });
  t.same(pods.map((p) => (p.spec as { nodeName: string }).nodeName).sort(), ['node1', 'node2', 'node3']);
  t.ok(pods.every((p) => /^kube-multus-ds-[a-z0-9]{5}$/.test(p.metadata.name ?? '')));

  for (const node of ['node1', 'node2', 'node3']) {
    for (const name of ['multus-shim', 'passthru', 'ipvlan']) {
      const st = lstatSync(host(node, `${CNI_DIR}/${name}`));
      t.ok(st.isFile() && (st.mode & 0o111) !== 0, `${node}: ${name} is a regular executable`);
    }
    for (const name of K3S_NAMES) t.equal(readlinkSync(host(node, `${CNI_DIR}/${name}`)), k3sTarget(DEFAULT_K3S_VERSION), `${node}: K3s's ${name} is untouched`);
    const conf = host(node, `${CONF_DIR}/00-multus.conf`);
    t.equal(statSync(conf).mode & 0o777, 0o600, `${node}: 00-multus.conf is 0600`);
    const multus = JSON.parse(readFileSync(conf, 'utf8'));
    t.match(multus, { type: 'multus-shim', cniVersion: '1.0.0', name: 'multus-cni-network', clusterNetwork: /\/10-flannel\.conflist$/ });
    t.equal((await healthz(node)).stdout, '200', `${node}: the socket answers /healthz`);
  }
});

t.test('a pod asking for an ipvlan network gets net1 where Multus works', async (t) => {
  const nad = {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name: 'ipvlan-def', namespace: 'default' },
    spec: { config: JSON.stringify({ cniVersion: '1.0.0', type: 'ipvlan', master: 'eth0', mode: 'l2', ipam: { type: 'host-local', ranges: [[{ subnet: '192.168.50.0/24', rangeStart: '192.168.50.10', gateway: '192.168.50.1' }]] } }) },
  };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'sample', namespace: 'default', annotations: { 'k8s.v1.cni.cncf.io/networks': 'ipvlan-def' } },
    spec: { nodeSelector: { 'kubernetes.io/hostname': 'node2' }, containers: [{ name: 'c', image: 'busybox' }] },
  };
  await applyOnNode1(`${stringify(nad)}---\n${stringify(pod)}`);
  const running = await until('the pod running', () => {
    const p = cluster.api.store.get('v1', 'Pod', 'default', 'sample');
    return (p?.status as { phase?: string })?.phase === 'Running' && p;
  });
  const status = JSON.parse(running.metadata.annotations?.['k8s.v1.cni.cncf.io/network-status'] ?? '[]');
  t.match(status, [
    { name: 'cbr0', interface: 'eth0', ips: [/^10\.42\.1\.\d+$/], default: true },
    { name: 'default/ipvlan-def', interface: 'net1', ips: ['192.168.50.10'] },
  ]);
  const cache = await lab.exec('node2', 'ls /var/lib/cni/multus');
  t.equal(cache.stdout.trim().split('\n').length, 1, 'the daemon left a per-container cache');
});

t.test('delete: SIGTERM cleans up, a killed daemon leaves 00-multus.conf and a dead socket', async (t) => {
  cluster.setKnob('node2', 'killed', true);
  const del = await lab.exec('node1', 'k3s kubectl delete -n kube-system daemonset kube-multus-ds');
  t.equal(del.exitCode, 0, del.stderr);
  t.notOk(dsStatus(), 'the DaemonSet is gone once kubectl returns');
  t.same(cluster.api.store.list('v1', 'Pod', { namespace: 'kube-system' }), [], 'its pods are gone');
  for (const node of ['node1', 'node3']) {
    t.notOk(exists(host(node, `${CONF_DIR}/00-multus.conf`)), `${node}: 00-multus.conf removed`);
    t.notOk(exists(host(node, '/run/multus/multus.sock')), `${node}: socket removed`);
    t.ok(exists(host(node, `${CNI_DIR}/multus-shim`)), `${node}: copied binaries stay`);
  }
  t.ok(exists(host('node2', `${CONF_DIR}/00-multus.conf`)), 'node2: 00-multus.conf left behind');
  t.ok(lstatSync(host('node2', '/run/multus/multus.sock')).isSocket(), 'node2: socket file left behind');
  t.equal((await healthz('node2')).stdout, '000', 'node2: nothing answers on it');

  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stuck', namespace: 'default', annotations: { 'k8s.v1.cni.cncf.io/networks': 'ipvlan-def' } }, spec: { nodeName: 'node2', containers: [{ name: 'c', image: 'busybox' }] } };
  await applyOnNode1(JSON.stringify(pod));
  const stuck = await until('the pod to be reported stuck', () => {
    const p = cluster.api.store.get('v1', 'Pod', 'default', 'stuck');
    const ready = (p?.status as { conditions?: Array<{ type: string; message?: string }> })?.conditions?.find((c) => c.type === 'Ready');
    return ready?.message;
  });
  t.match(stuck, 'dial unix /run/multus/multus.sock: connect: connection refused');
});

t.test('knobs: overwriteAll freezes host-local, neverReady holds readiness at 2/3', async (t) => {
  cluster.setKnob('node3', 'overwriteAll', true);
  cluster.setKnob('node1', 'neverReady', true);
  await applyOnNode1(renderMultusManifest({}).yaml);
  await until('all pods updated', () => dsStatus()?.updatedNumberScheduled === 3);
  await cluster.sim.idle();
  t.equal(dsStatus()?.numberReady, 2);
  t.equal(dsStatus()?.desiredNumberScheduled, 3);
  t.ok(lstatSync(host('node3', `${CNI_DIR}/host-local`)).isFile(), 'node3: host-local is now a regular file');
  t.ok(lstatSync(host('node2', `${CNI_DIR}/host-local`)).isSymbolicLink(), 'node2: host-local is still K3s\'s link');
  t.notOk(exists(host('node1', `${CONF_DIR}/00-multus.conf`)), 'node1: a never-ready daemon writes no 00-multus.conf');
  t.notOk(exists(host('node1', '/run/multus/multus.sock')), 'node1: and opens no socket');
  t.equal((await healthz('node2')).stdout, '200', 'node2: a new daemon replaced the stale socket');
});

t.test('K3s upgrade re-points symlinks, leaves regular files; a restart changes nothing', async (t) => {
  const next = 'v1.31.3+k3s1';
  const plain = cluster.upgradeK3s('node2', next);
  t.same(plain.repointed.sort(), [...K3S_NAMES].sort());
  for (const name of K3S_NAMES) t.equal(readlinkSync(host('node2', `${CNI_DIR}/${name}`)), k3sTarget(next));
  t.equal(readlinkSync(host('node2', `${DATA}/data/current`)), `${DATA}/data/${bundleHash(next)}`);
  t.match((await lab.exec('node2', 'k3s --version')).stdout, `k3s version ${next} `);

  const frozen = readFileSync(host('node3', `${CNI_DIR}/host-local`));
  const over = cluster.upgradeK3s('node3', next);
  t.same(over.repointed, ['cni'], 'only the entry that was still a symlink moved');
  t.ok(over.keptRegular.includes('host-local'));
  t.same(readFileSync(host('node3', `${CNI_DIR}/host-local`)), frozen, 'the regular host-local is left alone');
  t.ok(exists(host('node3', `${CNI_DIR}/multus-shim`)), 'multus-shim survives in data/cni');

  const restart = cluster.upgradeK3s('node2', next);
  t.same([restart.repointed, restart.created, restart.keptRegular], [[], [], []], 'a restart recreates nothing');
});
