/**
 * `provision install` on simulated K3s clusters, judged by the nodes' files (not only the
 * recap): check mode touches nothing; install backs up, applies, re-links, verifies and
 * records; a rerun changes nothing and keeps the pristine backup; an installer that
 * overwrites host-local is undone; a node that never gets ready fails alone and a rerun
 * converges once the cause is gone; a host that is not a K3s node fails preflight untouched.
 */
import t from 'tap';
import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport } from './lab.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { bundleHash, DEFAULT_K3S_VERSION } from './k3s-standin.ts';
import { REPO_ROOT, runCli, runInProcess, type InProcessRun } from '../helpers/run-provision.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const install = join(REPO_ROOT, 'playbooks/install.yaml');
const smoke = join(REPO_ROOT, 'playbooks/smoke.yaml');
const DATA = '/var/lib/rancher/k3s';
const CNI_DIR = `${DATA}/data/cni`;
const MULTICALL = `${DATA}/data/${bundleHash(DEFAULT_K3S_VERSION)}/bin/cni`;
const CONF = `${DATA}/agent/etc/cni/net.d/00-multus.conf`;
const K3S_NAMES = ['cni', 'bandwidth', 'bridge', 'firewall', 'flannel', 'host-local', 'loopback', 'portmap'];
const NODES = ['node1', 'node2', 'node3'];

function statusOf(run: InProcessRun, host: string, task: string): string | undefined {
  return run.statuses[host]?.[task];
}

async function nodeFile(cluster: Cluster, node: string, path: string): Promise<string | undefined> {
  const r = await cluster.lab.exec(node, `cat ${path}`);
  return r.exitCode === 0 ? r.stdout : undefined;
}

function k3sLinks(cluster: Cluster, node: string): string[] {
  return K3S_NAMES.map((n) => {
    const p = cluster.lab.hostPath(node, `${CNI_DIR}/${n}`);
    return lstatSync(p).isSymbolicLink() ? readlinkSync(p) : 'regular file';
  });
}

function daemonSet(cluster: Cluster) {
  return cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds');
}

t.test('install on a fresh 3-node cluster', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3 });
  t.teardown(() => cluster.stop());
  const at = (node: string, path: string) => cluster.lab.hostPath(node, path);

  await t.test('--check lists what would change, exits 2, touches nothing', async (t) => {
    const cli = await runCli(['install', '-i', cluster.inventoryFile, '--check', '--smoke']);
    t.equal(cli.code, 2, cli.stderr);
    t.match(cli.stdout, /PLAY \[Smoke-test Multus on every node\][^]*node3\s+: ok=3\s+changed=0\s+unreachable=0\s+failed=0\s+skipped=5/, 'the smoke test is planned, not run');
    t.match(cli.stdout, /TASK \[Back up K3s's CNI entries\][^]*changed: \[node1\][^]*changed: \[node3\]/);
    t.match(cli.stdout, /TASK \[Apply the Multus manifest\]\s*\*+\s*changed: \[node1\]/);
    t.equal(daemonSet(cluster), undefined, 'no DaemonSet in the cluster');
    for (const node of NODES) {
      t.equal((await cluster.lab.exec(node, 'test -e /var/lib/provision')).exitCode, 1, `${node}: no backup or state written`);
      t.throws(() => lstatSync(at(node, `${CNI_DIR}/multus-shim`)), `${node}: no multus-shim`);
      t.same(k3sLinks(cluster, node), K3S_NAMES.map(() => MULTICALL), `${node}: K3s links as they were`);
    }
  });

  await t.test('install backs up, applies, verifies and records on every node', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, install);
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    t.equal(statusOf(run, 'node1', 'Apply the Multus manifest'), 'changed');
    t.equal(daemonSet(cluster)?.spec && (daemonSet(cluster)?.status as { numberReady: number }).numberReady, 3);
    for (const node of NODES) {
      t.equal(statusOf(run, node, 'Verify Multus on the node'), 'ok', `${node} verified`);
      for (const bin of ['multus-shim', 'passthru', 'ipvlan']) {
        const st = statSync(at(node, `${CNI_DIR}/${bin}`));
        t.ok(st.isFile() && (st.mode & 0o111) !== 0, `${node}: ${bin} is a regular executable`);
      }
      t.same(k3sLinks(cluster, node), K3S_NAMES.map(() => MULTICALL), `${node}: K3s links point at the multicall binary`);
      const conf = JSON.parse(readFileSync(at(node, CONF), 'utf8'));
      t.equal(conf.type, 'multus-shim');
      const pristine = JSON.parse((await nodeFile(cluster, node, '/var/lib/provision/backups/pristine/record.json')) ?? '{}');
      t.equal(pristine.entries?.['host-local']?.target, MULTICALL, `${node}: pristine backup records host-local's link`);
      t.match(pristine.multicall, { target: MULTICALL, sha256: /^[0-9a-f]{64}$/ });
      const state = JSON.parse((await nodeFile(cluster, node, '/var/lib/provision/state.json')) ?? '{}');
      t.match(state, { multus_version: 'v4.3.0-thick', data_dir: DATA, layout: 'cni', bin_dir: CNI_DIR });
      t.match(state.files_added, [`${CNI_DIR}/multus-shim`]);
    }
  });

  await t.test('a second install reports 0 changed and keeps the pristine backup', async (t) => {
    const before = await nodeFile(cluster, 'node2', '/var/lib/provision/backups/pristine/record.json');
    const stamp = (await cluster.lab.exec('node2', 'stat -c %Y.%i /var/lib/provision/backups/pristine/record.json')).stdout;
    const cli = await runCli(['install', '-i', cluster.inventoryFile]);
    t.equal(cli.code, 0, cli.stderr);
    for (const node of NODES) t.match(cli.stdout, new RegExp(`${node}\\s+: ok=\\d+\\s+changed=0\\s+unreachable=0\\s+failed=0`));
    t.equal(await nodeFile(cluster, 'node2', '/var/lib/provision/backups/pristine/record.json'), before);
    t.equal((await cluster.lab.exec('node2', 'stat -c %Y.%i /var/lib/provision/backups/pristine/record.json')).stdout, stamp, 'not rewritten');
  });

  await t.test('parts run alone with --tags: verify on an installed cluster passes', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, install, { tags: ['verify'] });
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    for (const node of NODES) {
      t.equal(statusOf(run, node, 'Verify Multus on the node'), 'ok');
      t.equal(statusOf(run, node, 'Back up K3s\'s CNI entries'), undefined, 'backup not run');
    }
    t.equal(statusOf(run, 'node1', 'Apply the Multus manifest'), undefined, 'apply not run');
  });

  await t.test('smoke: a pod on every node gets net1, and nothing is left behind', async (t) => {
    const run = await runInProcess(cluster.inventoryFile, smoke);
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    for (const node of NODES) {
      const e = run.events.find((ev) => ev.type === 'host_result' && ev.host === node && ev.task.startsWith('Attach'));
      t.match(e, { status: 'ok', result: { msg: new RegExp(`^net1 on ${node}: \\d+\\.\\d+\\.\\d+\\.\\d+`) } });
    }
    t.same(cluster.api.store.list('v1', 'Pod', { namespace: 'default' }), [], 'test pods deleted');
    t.same(cluster.api.store.list('k8s.cni.cncf.io/v1', 'NetworkAttachmentDefinition', {}), [], 'definitions deleted');
  });
});

t.test('an installer that overwrites host-local is undone by the re-link', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3, perNode: { node2: { overwriteAll: true } } });
  t.teardown(() => cluster.stop());
  const cli = await runCli(['install', '-i', cluster.inventoryFile, '--diff']);
  t.equal(cli.code, 0, cli.stdout + cli.stderr);
  t.match(cli.stdout, /TASK \[Re-link K3s's plugin names to its multicall binary\][^]*?ok: \[node1\][^]*?changed: \[node2\][^]*?ok: \[node3\]/);
  t.match(cli.stdout, /host-local -> \/var\/lib\/rancher\/k3s\/data\/[0-9a-f]+\/bin\/cni/, 'the diff shows the re-link');
  t.same(k3sLinks(cluster, 'node2'), K3S_NAMES.map(() => MULTICALL), 'every K3s name on node2 is K3s\'s link again');
  t.match(cli.stdout, /node2\s+: ok=\d+\s+changed=[1-9]/);
  const again = await runCli(['install', '-i', cluster.inventoryFile]);
  t.equal(again.code, 0);
  t.match(again.stdout, /node2\s+: ok=\d+\s+changed=0/, 'converged');
});

t.test('an installer that writes through K3s\'s links onto the multicall binary is caught by verify', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3, perNode: { node2: { writeThrough: true } } });
  t.teardown(() => cluster.stop());
  const pristineBinary = readFileSync(cluster.lab.hostPath('node2', MULTICALL));
  const run = await runInProcess(cluster.inventoryFile, install);
  t.equal(run.summary.exitCode, 1);
  t.same(Object.keys(run.summary.failures), ['node2'], 'only node2 failed');
  t.notSame(readFileSync(cluster.lab.hostPath('node2', MULTICALL)), pristineBinary, 'the lab really wrote through onto the binary');
  t.same(k3sLinks(cluster, 'node2'), K3S_NAMES.map(() => MULTICALL), 'the links themselves look fine');
  t.match(run.summary.failures.node2, /Verify Multus on the node: .*sha256/, 'verify names the changed multicall binary');
  for (const node of ['node1', 'node3']) t.equal(statusOf(run, node, 'Verify Multus on the node'), 'ok');
  const pristine = JSON.parse((await nodeFile(cluster, 'node2', '/var/lib/provision/backups/pristine/record.json')) ?? '{}');
  t.not(pristine.multicall?.sha256, undefined, 'the pristine backup kept the original sha256');
});

t.test('a node whose pod never becomes ready fails alone; a rerun converges once fixed', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3, perNode: { node3: { neverReady: true, overwriteAll: true } } });
  t.teardown(() => cluster.stop());
  const run = await runInProcess(cluster.inventoryFile, install, { extraVars: { multus_wait_timeout: 3 } });
  t.equal(run.summary.exitCode, 1);
  t.match(run.summary.failures.node3, /Multus is not ready on node3: timed out after 3s: ready 2\/3; not ready: node3/);
  t.same(Object.keys(run.summary.failures), ['node3'], 'only node3 failed');
  for (const node of ['node1', 'node2']) t.equal(statusOf(run, node, 'Verify Multus on the node'), 'ok', `${node} verified`);
  t.equal(statusOf(run, 'node3', 'Re-link K3s\'s plugin names to its multicall binary'), 'changed', 'node3 re-linked before it failed');
  t.same(k3sLinks(cluster, 'node3'), K3S_NAMES.map(() => MULTICALL), 'node3 is not left with a broken host-local');

  // The cause goes away (say, the image can be pulled now) and the pod is recreated.
  cluster.setKnob('node3', 'neverReady', false);
  const pod = cluster.api.store.list('v1', 'Pod', { namespace: 'kube-system', fieldSelector: 'spec.nodeName=node3' })[0];
  t.ok(pod, 'node3 has a Multus pod');
  const del = await cluster.lab.exec('node1', `k3s kubectl delete pod -n kube-system ${pod!.metadata.name}`);
  t.equal(del.exitCode, 0, del.stderr);
  const rerun = await runInProcess(cluster.inventoryFile, install, { extraVars: { multus_wait_timeout: 30 } });
  t.equal(rerun.summary.exitCode, 0, JSON.stringify(rerun.summary.failures));
  t.equal(statusOf(rerun, 'node3', 'Verify Multus on the node'), 'ok');
  t.equal(statusOf(rerun, 'node1', 'Apply the Multus manifest'), 'ok', 'the manifest itself did not change');
});

t.test('a host that is not a K3s node fails preflight, is not touched, and the others go on', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3 });
  t.teardown(() => cluster.stop());
  // node3 becomes a plain Linux host: no k3s binary, no data dir.
  const strip = await cluster.lab.exec('node3', `rm -f /usr/local/bin/k3s /usr/local/bin/kubectl && rm -rf ${DATA}`);
  t.equal(strip.exitCode, 0, strip.stderr);
  // /run is listed apart: the run's node lock (/run/provision, a tmpfs that a reboot empties)
  // is taken before preflight, and is all a refused node may gain there.
  const snapshot = async () => {
    const files = (await cluster.lab.exec('node3', 'ls -laR /var/lib/rancher /usr/local/bin /etc/rancher 2>&1')).stdout;
    const run = (await cluster.lab.exec('node3', 'ls -A /run')).stdout.split('\n').filter((name) => name !== '' && name !== 'provision');
    return { files, run };
  };
  const listing = await snapshot();
  // The simulated cluster still schedules a Multus pod on node3, which cannot start there.
  const run = await runInProcess(cluster.inventoryFile, install, { extraVars: { multus_wait_timeout: 5 } });
  t.equal(run.summary.exitCode, 1);
  t.same(Object.keys(run.summary.failures), ['node3']);
  t.match(run.summary.failures.node3, /Read the K3s node: .*k3s/i, 'the message names the check that failed');
  t.same(await snapshot(), listing, 'node3 unchanged');
  t.match((await cluster.lab.exec('node3', 'ls -A /run/provision')).stdout, /^(node\.holder\n|node\.lock\n)*$/, 'only the node lock in /run/provision');
  t.equal((await cluster.lab.exec('node3', 'test -e /var/lib/provision')).exitCode, 1, 'no backup or state on node3');
  for (const node of ['node1', 'node2']) t.equal(statusOf(run, node, 'Verify Multus on the node'), 'ok', `${node} went on`);
});
