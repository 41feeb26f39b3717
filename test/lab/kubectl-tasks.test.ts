/**
 * The kubectl task modules through the engine on a 3-node lab cluster: render the Multus
 * manifest, apply it once on the K3s server with `k3s kubectl` (become), wait for the
 * DaemonSet, and check every node's files and socket from the host side (docs/k3s-multus.md §8–§10).
 * Then: a second run changes nothing, a node that never gets ready is named, deleting the
 * DaemonSet cleans up gracefully (or not, on a node whose daemon is killed), and the same
 * playbook works with a kubeconfig on the control machine.
 */
import t from 'tap';
import { request } from 'node:http';
import { existsSync, lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import { REPO_ROOT, runInProcess, type InProcessRun } from '../helpers/run-provision.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const playbook = join(REPO_ROOT, 'test/fixtures/playbooks/multus-kubectl.yaml');
const DATA = '/var/lib/rancher/k3s';
const CNI_DIR = `${DATA}/data/cni`;
const CONF = `${DATA}/agent/etc/cni/net.d/00-multus.conf`;
const SOCKET = '/run/multus/multus.sock';
const K3S_NAMES = ['cni', 'bandwidth', 'bridge', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap'];
const NODES = ['node1', 'node2', 'node3'];
const APPLY = 'Apply the Multus manifest';
const WAIT = 'Wait for Multus on every node';
const DELETE = 'Remove the Multus DaemonSet';

function result(run: InProcessRun, task: string): { status: string; msg: string; delegatedTo?: string } {
  const e = run.events.find((ev) => ev.type === 'host_result' && ev.task === task);
  if (!e || e.type !== 'host_result') throw new Error(`no result for ${task}`);
  return { status: e.status, msg: e.result.msg, ...(e.delegatedTo ? { delegatedTo: e.delegatedTo } : {}) };
}

/** GET /healthz on a node's multus socket, from the host side of its /run. */
function healthz(socketPath: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/healthz', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

t.test('kubectl tasks on a 3-node lab cluster', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3 });
  t.teardown(() => cluster.stop());
  const { lab } = cluster;
  const at = (node: string, path: string) => lab.hostPath(node, path);
  const k3sLinks = (node: string) => K3S_NAMES.map((n) => readlinkSync(at(node, `${CNI_DIR}/${n}`)));
  const linksBefore = Object.fromEntries(NODES.map((n) => [n, k3sLinks(n)]));

  await t.test('first run applies on the server with k3s kubectl and waits for every node', async (t) => {
    const started = performance.now();
    const run = await runInProcess(cluster.inventoryFile, playbook);
    const seconds = (performance.now() - started) / 1000;
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.events.filter((e) => e.type === 'host_result' && e.status === 'failed')));
    t.comment(`render + apply + wait on 3 nodes: ${seconds.toFixed(2)} s`);
    t.match(result(run, APPLY), { status: 'changed', msg: /daemonset\.apps\/kube-multus-ds created/ });
    t.match(result(run, WAIT), { status: 'ok', msg: /ready 3\/3 after/ });
    const kubectlCommands = run.commands.filter((c) => c.command.includes('kubectl'));
    t.ok(kubectlCommands.length > 0 && kubectlCommands.every((c) => c.command.startsWith('k3s kubectl ')), 'K3s’s bundled kubectl');
    t.same([...new Set(kubectlCommands.map((c) => c.host))], ['node1'], 'once, on the first server');
    t.same(run.commands.filter((c) => c.kind === 'change').map((c) => c.command), ['k3s kubectl apply --server-side --field-manager=provision -o json -f -'], 'one change: the apply');

    for (const node of NODES) {
      for (const name of ['multus-shim', 'passthru', 'ipvlan']) {
        const st = lstatSync(at(node, `${CNI_DIR}/${name}`));
        t.ok(st.isFile() && (st.mode & 0o111) !== 0, `${node}: ${name} is a regular executable`);
      }
      t.same(k3sLinks(node), linksBefore[node], `${node}: K3s's links are untouched`);
      t.equal(lstatSync(at(node, CONF)).mode & 0o777, 0o600, `${node}: 00-multus.conf is 0600`);
      const conf = JSON.parse(readFileSync(at(node, CONF), 'utf8'));
      t.match(conf, { type: 'multus-shim', clusterNetwork: /\/10-flannel\.conflist$/ }, `${node}: delegates to flannel`);
      t.equal(await healthz(at(node, SOCKET)), 200, `${node}: the socket answers`);
    }
  });

  await t.test('a second run and a check run change nothing', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, playbook);
    t.equal(run.summary.exitCode, 0);
    t.match(result(run, APPLY), { status: 'ok', msg: /kube-multus-ds unchanged/ });
    for (const node of NODES) t.equal(run.summary.recap[node].changed, 0, `${node}: 0 changed`);
    const check = await runInProcess(cluster.inventoryFile, playbook, { check: true });
    t.equal(check.summary.exitCode, 0, 'nothing pending');
    t.match(result(check, APPLY), { status: 'ok', msg: /kube-multus-ds unchanged/ });
    t.same(check.commands.filter((c) => c.kind === 'change'), [], 'no changing command in check mode');
  });

  await t.test('a node whose pod never gets ready is named when the wait times out', async (t) => {
    cluster.setKnob('node3', 'neverReady', true);
    const pod3 = () => cluster.api.store.list('v1', 'Pod', { namespace: 'kube-system' }).find((p) => (p.spec as { nodeName?: string }).nodeName === 'node3');
    const restart = await lab.exec('node1', `k3s kubectl delete pod -n kube-system ${pod3()?.metadata.name}`);
    t.equal(restart.exitCode, 0, restart.stderr);
    await cluster.sim.idle();
    const short = join(lab.dir, 'wait-short.yaml');
    const plays = parse(readFileSync(playbook, 'utf8'));
    plays[0].tasks = plays[0].tasks.filter((task: { name: string }) => task.name === WAIT);
    plays[0].tasks[0].wait_daemonset.timeout = 3;
    writeFileSync(short, stringify(plays));
    const started = performance.now();
    const run = await runInProcess(cluster.inventoryFile, short);
    const seconds = (performance.now() - started) / 1000;
    t.equal(run.summary.exitCode, 1);
    t.match(result(run, WAIT), {
      status: 'failed',
      msg: /^timed out after 3s: ready 2\/3; not ready: node3 \(pod kube-multus-ds-\w+: Running \/ Ready=False: containers with unready status: \[kube-multus\]\)$/,
    });
    t.ok(seconds >= 3, `failed only after the 3 s timeout (${seconds.toFixed(1)} s)`);
    cluster.setKnob('node3', 'neverReady', false);
  });

  await t.test('deleting the DaemonSet: the daemons shut down gracefully and clean up', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, playbook, { extraVars: { multus_state: 'absent' } });
    t.equal(run.summary.exitCode, 0);
    t.match(result(run, DELETE), { status: 'changed', msg: 'deleted daemonset.apps/kube-multus-ds' });
    t.equal(cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds'), undefined, 'gone when the task returns');
    for (const node of NODES) {
      t.notOk(existsSync(at(node, CONF)), `${node}: 00-multus.conf removed`);
      t.notOk(existsSync(at(node, SOCKET)), `${node}: socket removed`);
      t.ok(existsSync(at(node, `${CNI_DIR}/multus-shim`)), `${node}: the copied binaries stay`);
    }
    const again = await runInProcess(cluster.inventoryFile, playbook, { extraVars: { multus_state: 'absent' } });
    t.match(result(again, DELETE), { status: 'ok', msg: 'nothing to delete: no such objects' });
  });

  await t.test('kubeconfig mode: kubectl on the control machine; a killed daemon leaves its file and socket', async (t) => {
    const inventory = parse(readFileSync(cluster.inventoryFile, 'utf8'));
    inventory.all.vars.kubeconfig = cluster.kubeconfigFile;
    const file = join(lab.dir, 'inventory-kubeconfig.yaml');
    writeFileSync(file, stringify(inventory));

    const started = performance.now();
    const run = await runInProcess(file, playbook);
    t.comment(`apply + wait with a local kubeconfig: ${((performance.now() - started) / 1000).toFixed(2)} s`);
    t.equal(run.summary.exitCode, 0);
    t.match(result(run, APPLY), { status: 'changed', delegatedTo: 'localhost', msg: /daemonset\.apps\/kube-multus-ds created/ });
    const kubectl = run.commands.filter((c) => c.command.includes(' get ') || c.command.includes(' apply '));
    t.ok(kubectl.length > 0 && kubectl.every((c) => c.command.startsWith(`kubectl --kubeconfig ${cluster.kubeconfigFile} `)), 'kubectl with the kubeconfig');
    for (const node of NODES) t.equal(await healthz(at(node, SOCKET)), 200, `${node}: running again`);

    cluster.setKnob('node2', 'killed', true);
    const del = await runInProcess(file, playbook, { extraVars: { multus_state: 'absent' } });
    t.match(result(del, DELETE), { status: 'changed' });
    t.ok(existsSync(at('node2', CONF)), 'node2: 00-multus.conf stays after SIGKILL');
    t.ok(existsSync(at('node2', SOCKET)), 'node2: the dead socket stays');
    t.match(await healthz(at('node2', SOCKET)), 'ECONNREFUSED', 'node2: nothing answers');
    for (const node of ['node1', 'node3']) {
      t.notOk(existsSync(at(node, CONF)), `${node}: 00-multus.conf removed`);
      t.notOk(existsSync(at(node, SOCKET)), `${node}: socket removed`);
    }
  });
});
