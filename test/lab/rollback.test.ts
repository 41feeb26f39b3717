/**
 * `provision rollback` on a simulated 3-node cluster after a clean install, judged by the
 * nodes' files: --check plans and touches nothing (every command recorded is a read); pods
 * on a secondary network refuse the rollback until --force; the export holds every
 * NetworkAttachmentDefinition before anything is deleted and re-applying it restores them;
 * a second rollback changes nothing; install afterwards converges again, and the pristine
 * backup stays the same file throughout.
 */
import t from 'tap';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import { REPO_ROOT, runCli, runInProcess } from '../helpers/run-provision.ts';
import { CNI_DIR, assertNoChanges, assertRolledBack, binDirListing, flannelBytes, nodeFile, pristineIdentity } from './rollback-checks.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const install = join(REPO_ROOT, 'playbooks/install.yaml');
const rollback = join(REPO_ROOT, 'playbooks/rollback.yaml');
const NODES = ['node1', 'node2', 'node3'];
const NAD_DIR = '/var/lib/provision/backups/network-attachment-definitions';

const users = `
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: { name: ipvlan-a, namespace: default }
spec:
  config: '{"cniVersion":"1.0.0","type":"ipvlan","master":"eth0","mode":"l2","ipam":{"type":"host-local","ranges":[[{"subnet":"192.168.251.0/24"}]]}}'
---
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: { name: ipvlan-b, namespace: kube-public }
spec:
  config: '{"cniVersion":"1.0.0","type":"ipvlan","master":"eth0","mode":"l3","ipam":{"type":"host-local","ranges":[[{"subnet":"192.168.252.0/24"}]]}}'
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
  annotations: { k8s.v1.cni.cncf.io/networks: ipvlan-a }
spec:
  nodeName: node2
  containers: [{ name: web, image: docker.io/library/busybox:1.36.1 }]
`;

t.test('rollback after a clean install', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3 });
  t.teardown(() => cluster.stop());
  const flannel = Object.fromEntries(NODES.map((n) => [n, flannelBytes(cluster, n)]));
  const installed = await runInProcess(cluster.inventoryFile, install);
  t.equal(installed.summary.exitCode, 0, JSON.stringify(installed.summary.failures));
  const pristine = Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, await pristineIdentity(cluster, n)])));
  const applied = await cluster.lab.exec('node1', `k3s kubectl apply -f - <<'EOF'\n${users}\nEOF`);
  t.equal(applied.exitCode, 0, applied.stderr);
  const ds = () => cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds');

  await t.test('--check lists what would change, exits 2 and runs no changing command', async (t) => {
    const before = NODES.map((n) => binDirListing(cluster, n));
    const run = await runInProcess(cluster.inventoryFile, rollback, { check: true, extraVars: { rollback_force: 'true' } });
    t.equal(run.summary.exitCode, 2, JSON.stringify(run.summary.failures));
    t.same(run.commands.filter((c) => c.kind !== 'read'), [], 'every command recorded on the connections only read');
    t.ok(run.commands.length > 20, `the recording connection saw the run (${run.commands.length} commands)`);
    for (const node of NODES) t.equal(run.statuses[node]?.['Remove Multus\'s files from the node'], 'changed', `${node}: removal planned`);
    const planned = run.events.find((e) => e.type === 'host_result' && e.host === 'node1' && e.task === "Delete Multus's DaemonSets, RBAC and ConfigMap");
    t.match(planned, { status: 'changed', result: { msg: /would delete daemonset\.apps\/kube-multus-ds, configmap\/multus-daemon-config/ } });
    t.ok(ds(), 'the DaemonSet is still there');
    t.same(NODES.map((n) => binDirListing(cluster, n)), before, 'bin dirs untouched');
  });

  await t.test('a pod on a secondary network refuses the rollback (exit 1), naming it', async (t) => {
    const cli = await runCli(['rollback', '-i', cluster.inventoryFile]);
    t.equal(cli.code, 1, cli.stderr);
    t.match(cli.stdout, /refusing to roll back: 1 pod\(s\) use a secondary network: default\/web \(node2\)[^]*--force/);
    t.ok(ds(), 'nothing deleted');
    t.ok(lstatSync(cluster.lab.hostPath('node2', `${CNI_DIR}/multus-shim`)).isFile(), 'node files untouched');
  });

  await t.test('--force rolls back every node; the export holds every NAD', async (t) => {
    const cli = await runCli(['rollback', '-i', cluster.inventoryFile, '--force']);
    t.equal(cli.code, 0, cli.stdout + cli.stderr);
    t.match(cli.stdout, /TASK \[Export every NetworkAttachmentDefinition\][^]*changed: \[node1\]/);
    t.equal(ds(), undefined, 'the DaemonSet is gone');
    t.ok(cluster.api.store.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'network-attachment-definitions.k8s.cni.cncf.io'), 'the CRD is kept without --purge');
    for (const node of NODES) await assertRolledBack(t, cluster, node, flannel[node]);
    const listing = (await cluster.lab.exec('node1', `ls ${NAD_DIR}`)).stdout.trim().split('\n');
    t.equal(listing.length, 1, 'one export file');
    const text = (await nodeFile(cluster, 'node1', `${NAD_DIR}/${listing[0]}`)) ?? '';
    const names = parseAllDocuments(text).map((d) => d.toJS()).map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    t.same(names, ['default/ipvlan-a', 'kube-public/ipvlan-b'], 'every NAD exported');
  });

  await t.test('a second rollback changes nothing', async (t) => {
    const cli = await runCli(['rollback', '-i', cluster.inventoryFile, '-e', 'rollback_force=true']);
    t.equal(cli.code, 0, cli.stderr);
    assertNoChanges(t, cli.stdout, NODES);
  });

  await t.test('install after rollback converges; the export restores lost NADs; the pristine backup is the same file', async (t) => {
    // The definitions are lost (say, someone deleted the CRD); the export brings them back.
    const lost = await cluster.lab.exec('node1', 'k3s kubectl delete crd network-attachment-definitions.k8s.cni.cncf.io');
    t.equal(lost.exitCode, 0, lost.stderr);
    const again = await runCli(['install', '-i', cluster.inventoryFile]);
    t.equal(again.code, 0, again.stdout + again.stderr);
    const file = (await cluster.lab.exec('node1', `ls -d ${NAD_DIR}/*`)).stdout.trim();
    const restore = await cluster.lab.exec('node1', `k3s kubectl apply -f ${file}`);
    t.equal(restore.exitCode, 0, restore.stderr);
    const nads = cluster.api.store.list('k8s.cni.cncf.io/v1', 'NetworkAttachmentDefinition', {});
    t.same(nads.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort(), ['default/ipvlan-a', 'kube-public/ipvlan-b']);
    const twice = await runCli(['install', '-i', cluster.inventoryFile]);
    t.equal(twice.code, 0, twice.stderr);
    assertNoChanges(t, twice.stdout, NODES);
    for (const node of NODES) {
      t.equal(await pristineIdentity(cluster, node), pristine[node], `${node}: pristine backup: same inode and sha256`);
      t.ok(lstatSync(cluster.lab.hostPath(node, `${CNI_DIR}/multus-shim`)).isFile(), `${node}: Multus is back`);
      t.notMatch((await nodeFile(cluster, node, '/var/lib/provision/state.json')) ?? '', /rolled_back_at/, `${node}: state.json records the install again`);
    }
  });
});
