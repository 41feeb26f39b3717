/**
 * A fleet as k3s-ansible leaves it, on one simulated 5-node cluster: hosts named by IP
 * address; node2's data dir given only on K3s's command line (older k3s-ansible's
 * ExecStart); node3's /var/lib/rancher/k3s a symlink to "another disk" (current
 * k3s-ansible's k3s_server_location); node5 a cluster node the inventory does not list.
 * install, verify, smoke test and rollback must serve every inventory node, each through
 * the DaemonSet of its own layout, and leave node5 alone.
 */
import t from 'tap';
import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import { REPO_ROOT, runInProcess } from '../helpers/run-provision.ts';
import type { KubeObject } from './kube-api/types.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const playbook = (name: string) => join(REPO_ROOT, 'playbooks', `${name}.yaml`);
const DEFAULT = '/var/lib/rancher/k3s';
const ALT = '/var/lib/rancher/k3s-alt';
const DISK2 = '/var/lib/rancher/disk2/k3s';
/** Where each inventory node's K3s bin dir really is. */
const BIN_DIRS: Record<string, string> = { node1: `${DEFAULT}/data/cni`, node2: `${ALT}/data/cni`, node3: `${DISK2}/data/cni`, node4: `${DEFAULT}/data/cni` };
const INVENTORY_NODES = Object.keys(BIN_DIRS);

type PodSpec = { affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: Array<{ matchExpressions: Array<{ values: string[] }> }> } } }; volumes: Array<{ name: string; hostPath?: { path: string } }> };
const podSpec = (ds: KubeObject) => (ds.spec as { template: { spec: PodSpec } }).template.spec;
const pinnedTo = (ds: KubeObject) => podSpec(ds).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchExpressions[0]?.values ?? [];

t.test('k3s-ansible fleet: IP host names, data dir on the command line, a symlinked data dir, a node outside the inventory', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({
    nodes: 5,
    perNode: { node2: { dataDir: ALT, dataDirIn: 'command-line' }, node3: { symlinkedTo: DISK2 } },
    inventory: { hostsByAddress: true, dataDirVar: false, leaveOut: ['node5'], hostVars: { node3: { k3s_server_location: DISK2 } } },
    podStartDelayMs: 50,
  });
  t.teardown(() => cluster.stop());
  const ip = Object.fromEntries(cluster.lab.nodes.map((n) => [n.name, n.address]));
  const daemonsets = () => cluster.api.store.list('apps/v1', 'DaemonSet', { namespace: 'kube-system', labelSelector: 'app.kubernetes.io/managed-by=provision' });
  t.equal(readlinkSync(cluster.lab.hostPath('node3', DEFAULT)), DISK2, 'node3: the data dir is a symlink');

  await t.test('install verifies every inventory node, each through its layout\'s DaemonSet; node5 is named and left alone', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, playbook('install'));
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    for (const node of INVENTORY_NODES) {
      t.equal(run.statuses[ip[node]]?.['Verify Multus on the node'], 'ok', `${node} (${ip[node]}) verified`);
      t.ok(statSync(cluster.lab.hostPath(node, `${BIN_DIRS[node]}/multus-shim`)).isFile(), `${node}: multus-shim in ${BIN_DIRS[node]}`);
      t.ok(cluster.sim.multusPod(node)?.ready, `${node}: a ready Multus pod`);
    }
    const byName: Record<string, KubeObject> = Object.fromEntries(daemonsets().map((ds) => [ds.metadata.name ?? '', ds]));
    t.same(Object.keys(byName).length, 3, 'three layouts: the default, k3s-alt, disk2 behind the symlink');
    t.same(pinnedTo(byName['kube-multus-ds'] as KubeObject), ['node1', 'node4'], 'node1 and node4 share the default layout');
    const others = Object.values(byName).filter((ds) => ds.metadata.name !== 'kube-multus-ds');
    t.same(others.map(pinnedTo).sort(), [['node2'], ['node3']]);
    for (const ds of others) {
      t.match(ds.metadata.name, /^kube-multus-ds-[0-9a-f]{10}$/);
      t.match(ds.metadata.labels, { app: 'multus', name: 'multus', 'app.kubernetes.io/managed-by': 'provision' });
    }
    const node3ds = others.find((ds) => pinnedTo(ds)[0] === 'node3') as KubeObject;
    const paths = Object.fromEntries(podSpec(node3ds).volumes.map((v) => [v.name, v.hostPath?.path]));
    t.equal(paths.cnibin, `${DISK2}/data/cni`, "node3's bin dir on the other disk");
    t.equal(paths['k3s-data'], `${DEFAULT}/data`, "node3's bundle dir as K3s's links spell it (through the symlink)");

    t.equal(cluster.sim.multusPod('node5'), undefined, 'node5 got no Multus pod');
    t.throws(() => lstatSync(cluster.lab.hostPath('node5', `${DEFAULT}/data/cni/multus-shim`)), { code: 'ENOENT' }, 'node5: nothing installed');
    const warnings = run.events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    t.match(warnings.join('\n'), /cluster nodes outside this run get no Multus pod .*: node5$/m, 'node5 is named in the output');
  });

  await t.test('the smoke test attaches a secondary network on every inventory node', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, playbook('smoke'));
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    for (const node of INVENTORY_NODES) {
      t.equal(run.statuses[ip[node]]?.['Attach an ipvlan network to a pod on this node'], 'ok', `${node}: net1 attached`);
    }
  });

  await t.test('a namespace that enforces Pod Security "restricted" admits the smoke pod, and refuses a host-network pod', async (t) => {
    const ns = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: smoke-restricted\n  labels: { pod-security.kubernetes.io/enforce: restricted }\n`;
    t.equal((await cluster.lab.exec('node1', `k3s kubectl apply -f - <<'EOF'\n${ns}EOF`)).exitCode, 0);
    const run = await runInProcess(cluster.inventoryFile, playbook('smoke'), { limit: ip.node2, extraVars: { smoke_namespace: 'smoke-restricted' } });
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    t.equal(run.statuses[ip.node2]?.['Attach an ipvlan network to a pod on this node'], 'ok', 'node2: net1 attached in the restricted namespace');
    const hostPod = 'apiVersion: v1\nkind: Pod\nmetadata: { name: host-pod, namespace: smoke-restricted }\nspec: { hostNetwork: true, containers: [{ name: c, image: docker.io/library/busybox:1.36.1 }] }\n';
    const refused = await cluster.lab.exec('node1', `k3s kubectl apply -f - <<'EOF'\n${hostPod}EOF`);
    t.not(refused.exitCode, 0);
    t.match(refused.stderr, 'pods "host-pod" is forbidden: violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)');
    t.equal(cluster.api.store.get('v1', 'Pod', 'smoke-restricted', 'host-pod'), undefined, 'not created');
  });

  await t.test('rollback removes every DaemonSet and what they installed, on every layout', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, playbook('rollback'));
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    t.same(daemonsets(), [], 'no DaemonSet of ours left');
    t.same(cluster.api.store.list('v1', 'Pod', { namespace: 'kube-system', labelSelector: 'app=multus' }), [], 'no Multus pod left');
    for (const node of INVENTORY_NODES) {
      t.notOk(existsSync(cluster.lab.hostPath(node, `${BIN_DIRS[node]}/multus-shim`)), `${node}: multus-shim removed from ${BIN_DIRS[node]}`);
      // K3s's entry is an absolute symlink into the node's bundle: look at the link itself.
      t.ok(lstatSync(cluster.lab.hostPath(node, `${BIN_DIRS[node]}/host-local`)).isSymbolicLink(), `${node}: K3s's host-local link still there`);
    }
  });
});
