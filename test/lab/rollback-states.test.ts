/**
 * `provision rollback` from the states an install can leave, on simulated clusters, judged
 * by the nodes' files. One cluster holds them side by side: node1 had every reference
 * plugin copied over K3s's names and was then upgraded (the links must go to the NEW
 * bundle); node2's daemon was SIGKILLed when the cluster objects were deleted by hand (stale
 * 00-multus.conf and socket file, objects already gone); node3's install never wrote
 * state.json and node3 is unreachable on the first run (the others are rolled back, exit 3,
 * a rerun finishes it), then has a Multus pod that does not go (node3 is spared and named).
 * Then --purge. An install SIGKILLed halfway (no state.json) is rolled back; a cluster that
 * never had Multus has nothing to do, and hand-copied Multus files with no record go.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import { REPO_ROOT, runCli, runInProcess } from '../helpers/run-provision.ts';
import {
  CNI_DIR, CONF_DIR, K3S_NAMES, assertNoChanges, assertRolledBack, binDirListing, flannelBytes, multicallOf, nodeFile,
} from './rollback-checks.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const install = join(REPO_ROOT, 'playbooks/install.yaml');
const rollback = join(REPO_ROOT, 'playbooks/rollback.yaml');
const NODES = ['node1', 'node2', 'node3'];
const UPGRADED = 'v1.31.3+k3s1';

t.test('rollback from broken, upgraded, killed, unrecorded and unreachable states', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3, perNode: { node2: { killed: true } } });
  t.teardown(() => cluster.stop());
  const at = (node: string, path: string) => cluster.lab.hostPath(node, path);
  const installed = await runInProcess(cluster.inventoryFile, install);
  t.equal(installed.summary.exitCode, 0, JSON.stringify(installed.summary.failures));
  const flannel = Object.fromEntries(NODES.map((n) => [n, flannelBytes(cluster, n)]));

  // node1: its pod restarts with an installer that copies every plugin, then K3s is upgraded.
  cluster.setKnob('node1', 'overwriteAll', true);
  const pod1 = cluster.api.store.list('v1', 'Pod', { namespace: 'kube-system', fieldSelector: 'spec.nodeName=node1' })[0];
  t.equal((await cluster.lab.exec('node1', `k3s kubectl delete pod -n kube-system ${pod1?.metadata.name}`)).exitCode, 0);
  await cluster.sim.idle();
  t.ok(lstatSync(at('node1', `${CNI_DIR}/host-local`)).isFile(), 'node1: host-local is a regular file now');
  const upgrade = cluster.upgradeK3s('node1', UPGRADED);
  t.ok(upgrade.keptRegular.includes('host-local'), 'the upgrade left the regular host-local alone');

  // node2: the cluster objects are deleted by hand; its daemon is SIGKILLed.
  const gone = await cluster.lab.exec('node1', 'k3s kubectl delete daemonsets,configmaps,serviceaccounts,clusterroles,clusterrolebindings -A -l app.kubernetes.io/managed-by=provision');
  t.equal(gone.exitCode, 0, gone.stderr);
  await cluster.sim.idle();
  t.ok(lstatSync(at('node2', `${CONF_DIR}/00-multus.conf`)).isFile(), 'node2: stale 00-multus.conf');
  t.ok(lstatSync(at('node2', '/run/multus/multus.sock')).isSocket(), 'node2: dead socket file');
  const refused = await cluster.lab.exec('node2', 'curl -s --unix-socket /run/multus/multus.sock http://localhost/healthz');
  t.equal(refused.exitCode, 7, 'nothing answers on it');

  // node3: the install never got to state.json.
  t.equal((await cluster.lab.exec('node3', 'rm /var/lib/provision/state.json')).exitCode, 0);

  await t.test('node3 unreachable: the others are rolled back, exit 3, node3 untouched', async (t) => {
    const inventory = parse(readFileSync(cluster.inventoryFile, 'utf8'));
    inventory.all.children.k3s_cluster.children.agent.hosts.node3.ansible_port = 1;
    const broken = join(t.testdir(), 'inventory.yaml');
    writeFileSync(broken, stringify(inventory));
    const before = binDirListing(cluster, 'node3');
    const cli = await runCli(['rollback', '-i', broken, '-v']);
    t.equal(cli.code, 3, cli.stdout + cli.stderr);
    t.match(cli.stdout, /node3\s+: ok=0\s+changed=0\s+unreachable=1/);
    t.match(cli.stdout, /leaving dhcp, dummy, host-device, macvlan, ptp, sbr, static, tap, tuning, vlan, vrf in \/var\/lib\/rancher\/k3s\/data\/cni/, 'node1: the extra copies are named');
    t.match(cli.stdout, /TASK \[Delete Multus's DaemonSets, RBAC and ConfigMap\][^]*?ok: \[node1\] => nothing to delete/, 'the objects were already gone');
    t.match(cli.stdout, /TASK \[Remove Multus's files from the node\][^]*?changed: \[node2\] => removed \/var\/lib\/rancher\/k3s\/agent\/etc\/cni\/net\.d\/00-multus\.conf, \/run\/multus/);
    await assertRolledBack(t, cluster, 'node2', flannel.node2);
    // node1: K3s's names link into the NEW bundle; the unaccounted copies stay, named above.
    const multicall = multicallOf(UPGRADED);
    t.equal(cluster.k3sVersion('node1'), UPGRADED);
    for (const name of K3S_NAMES) t.equal(lstatSync(at('node1', `${CNI_DIR}/${name}`)).isSymbolicLink() && multicall, multicall, `node1: ${name} -> ${multicall}`);
    t.same(binDirListing(cluster, 'node1'), [...K3S_NAMES, 'dhcp', 'dummy', 'host-device', 'macvlan', 'ptp', 'sbr', 'static', 'tap', 'tuning', 'vlan', 'vrf'].sort());
    t.same(flannelBytes(cluster, 'node1'), flannel.node1, 'node1: Flannel conflist byte-identical');
    t.match(JSON.parse((await nodeFile(cluster, 'node1', '/var/lib/provision/state.json')) ?? '{}'), { rolled_back_at: /^\d{4}-/ });
    t.same(binDirListing(cluster, 'node3'), before, 'node3 untouched');
  });

  await t.test('a Multus pod that does not go spares its node, named; the others go on', async (t) => {
    // A pod the simulation does not manage: it stays, as a pod stuck terminating would.
    const stuck = `apiVersion: v1\nkind: Pod\nmetadata: { name: kube-multus-ds-stuck, namespace: kube-system, labels: { app: multus } }\nspec: { nodeName: node3, containers: [{ name: kube-multus, image: ghcr.io/k8snetworkplumbingwg/multus-cni:v4.3.0-thick }] }\n`;
    t.equal((await cluster.lab.exec('node1', `k3s kubectl apply -f - <<'EOF'\n${stuck}EOF`)).exitCode, 0);
    const before = binDirListing(cluster, 'node3');
    const run = await runInProcess(cluster.inventoryFile, rollback, { extraVars: { rollback_wait_timeout: 2 } });
    t.equal(run.summary.exitCode, 1);
    t.same(Object.keys(run.summary.failures), ['node3'], 'only node3 failed');
    t.match(run.summary.failures.node3, /The Multus pod is gone from this node: the Multus pod on node3 is still there \(timed out after 2s: 1 pod left: node3 \(kube-multus-ds-stuck\)\); this node was not touched/);
    t.same(binDirListing(cluster, 'node3'), before, 'node3 untouched');
    t.equal(run.statuses.node3?.["Remove Multus's files from the node"], undefined, 'no removal ran on node3');
    t.equal((await cluster.lab.exec('node1', 'k3s kubectl delete pod -n kube-system kube-multus-ds-stuck')).exitCode, 0);
  });

  await t.test('a rerun finishes node3 (no state.json: Multus files with no record) and changes nothing elsewhere', async (t) => {
    const cli = await runCli(['rollback', '-i', cluster.inventoryFile]);
    t.equal(cli.code, 0, cli.stdout + cli.stderr);
    t.match(cli.stdout, /node3\s+: ok=\d+\s+changed=[1-9]/);
    assertNoChanges(t, cli.stdout, ['node1', 'node2']);
    await assertRolledBack(t, cluster, 'node3', flannel.node3);
    const runs = await cluster.lab.exec('node3', `CNI_COMMAND=VERSION ${CNI_DIR}/host-local`);
    t.equal(runs.exitCode, 0, `node3: host-local runs inside the node: ${runs.stdout}${runs.stderr}`);
  });

  await t.test('--purge removes the CRD, then the backups, and keeps state.json', async (t) => {
    const cli = await runCli(['rollback', '-i', cluster.inventoryFile, '--purge']);
    t.equal(cli.code, 0, cli.stdout + cli.stderr);
    t.equal(cluster.api.store.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, 'network-attachment-definitions.k8s.cni.cncf.io'), undefined, 'CRD deleted');
    for (const node of NODES) {
      t.equal((await cluster.lab.exec(node, 'test -e /var/lib/provision/backups')).exitCode, 1, `${node}: backups removed`);
      t.match(JSON.parse((await nodeFile(cluster, node, '/var/lib/provision/state.json')) ?? '{}'), { rolled_back_at: /^\d{4}-/ }, `${node}: state.json kept`);
    }
  });
});

t.test('an install SIGKILLed right after it applied the DaemonSet is rolled back', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3 });
  t.teardown(() => cluster.stop());
  const flannel = Object.fromEntries(NODES.map((n) => [n, flannelBytes(cluster, n)]));
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'provision.js'), 'install', '-i', cluster.inventoryFile], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const unlisten = cluster.api.on('applied', (object) => {
    if (object.kind === 'DaemonSet' && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  });
  t.equal(await exited, 'SIGKILL', 'the install was killed');
  unlisten();
  await cluster.sim.idle();
  for (const node of NODES) {
    t.ok(lstatSync(cluster.lab.hostPath(node, `${CNI_DIR}/multus-shim`)).isFile(), `${node}: Multus files are there`);
    t.equal((await cluster.lab.exec(node, 'test -e /var/lib/provision/state.json')).exitCode, 1, `${node}: no state.json`);
  }
  const cli = await runCli(['rollback', '-i', cluster.inventoryFile]);
  t.equal(cli.code, 0, cli.stdout + cli.stderr);
  for (const node of NODES) await assertRolledBack(t, cluster, node, flannel[node]);
  const again = await runCli(['rollback', '-i', cluster.inventoryFile]);
  t.equal(again.code, 0);
  assertNoChanges(t, again.stdout, NODES);
});

t.test('a cluster that never had Multus changes nothing; hand-copied Multus files with no record go', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 2 });
  t.teardown(() => cluster.stop());
  // node2: someone copied Multus's files by hand; no backup, no state.json.
  const copied = await cluster.lab.exec('node2', [
    `for n in multus-shim passthru ipvlan; do printf '#!/bin/sh\\n' > ${CNI_DIR}/$n; chmod 755 ${CNI_DIR}/$n; done`,
    `echo '{"type":"multus-shim"}' > ${CONF_DIR}/00-multus.conf`,
    'mkdir -p /run/multus /var/lib/cni/multus',
  ].join(' && '));
  t.equal(copied.exitCode, 0, copied.stderr);
  const run = await runInProcess(cluster.inventoryFile, rollback);
  t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
  t.same(run.commands.filter((c) => c.host === 'node1' && c.kind !== 'read'), [], 'node1: no changing command ran');
  t.equal(run.summary.recap.node1?.changed, 0);
  t.match(run.events.find((e) => e.type === 'host_result' && e.host === 'node1' && e.task === 'Read what Multus left on the node'), { result: { msg: /^nothing to do/ } });
  t.equal((await cluster.lab.exec('node1', 'test -e /var/lib/provision')).exitCode, 1, 'node1: no state.json, no backups');
  t.same(binDirListing(cluster, 'node2'), [...K3S_NAMES, 'ipvlan'].sort(), 'node2: Multus\'s own binaries gone; ipvlan, which no record says provision added, kept');
  t.ok(run.events.some((e) => e.type === 'warning' && /keeping \/var\/lib\/rancher\/k3s\/data\/cni\/ipvlan: no state\.json/.test(e.message)), 'and named');
  t.same(readdirSync(cluster.lab.hostPath('node2', CONF_DIR)), ['10-flannel.conflist']);
  t.notOk(existsSync(cluster.lab.hostPath('node2', '/run/multus')));
  t.match(JSON.parse((await nodeFile(cluster, 'node2', '/var/lib/provision/state.json')) ?? '{}'), { rolled_back_at: /^\d{4}-/ }, 'node2: the rollback is recorded');
});
