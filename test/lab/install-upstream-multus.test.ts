/**
 * install against a lab that behaves like Multus v4.3.0 upstream (docs/k3s-multus.md §6–§9):
 * only /healthz on the socket; install_multus copies passthru only from v4.2.1; the daemon
 * reads its config once, opens the socket before it writes 00-multus.conf and has no Ready
 * gating of its own; it exits on a cluster network whose cniVersion it cannot serve; and a
 * node whose / is not a shared mount refuses Bidirectional propagation. Each subtest is a
 * way a real cluster would have failed the install.
 */
import t from 'tap';
import { request } from 'node:http';
import { existsSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport } from './lab.ts';
import { startCluster } from './cluster.ts';
import type { KubeObject } from './kube-api/types.ts';
import { REPO_ROOT, runCli, runInProcess } from '../helpers/run-provision.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const install = join(REPO_ROOT, 'playbooks/install.yaml');
const smoke = join(REPO_ROOT, 'playbooks/smoke.yaml');
const DATA = '/var/lib/rancher/k3s';
const CONF = `${DATA}/agent/etc/cni/net.d/00-multus.conf`;
const FLANNEL = `${DATA}/agent/etc/cni/net.d/10-flannel.conflist`;
const NODES = ['node1', 'node2'];

function overSocket(socketPath: string, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('install on a lab that follows Multus v4.3.0', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  // node1's / is not a shared mount: upstream's Bidirectional mount could not start there.
  const cluster = await startCluster({ nodes: 2, perNode: { node1: { rootNotShared: true } } });
  t.teardown(() => cluster.stop());
  const at = (node: string, path: string) => cluster.lab.hostPath(node, path);
  const conf = (node: string) => JSON.parse(readFileSync(at(node, CONF), 'utf8')) as Record<string, unknown>;
  const ok = async (vars: Record<string, unknown> = {}) => {
    const run = await runInProcess(cluster.inventoryFile, install, { extraVars: vars });
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    return run;
  };

  await t.test('readiness is POST /healthz: the only health path v4.3.0 serves', async (t) => {
    const run = await ok();
    for (const node of NODES) t.equal(run.statuses[node]?.['Verify Multus on the node'], 'ok', `${node} verified`);
    const socket = at('node1', '/run/multus/multus.sock');
    t.equal(await overSocket(socket, 'POST', '/healthz'), 200, 'POST /healthz: 200');
    t.equal(await overSocket(socket, 'GET', '/healthz'), 200, 'GET /healthz: 200');
    t.equal(await overSocket(socket, 'PUT', '/healthz'), 405, 'another method: 405');
    t.equal(await overSocket(socket, 'GET', '/readyz'), 404, '/readyz came after v4.3.0: 404');
    const ds = cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds') as KubeObject;
    const spec = ds.spec as { template: { spec: { initContainers: Array<{ volumeMounts: Array<{ mountPropagation?: string }> }> } } };
    t.notOk(
      spec.template.spec.initContainers.some((c) => c.volumeMounts.some((m) => m.mountPropagation === 'Bidirectional')),
      'no Bidirectional mount (node1 would refuse it)',
    );
  });

  await t.test('a changed daemon config rolls the pods, which read it once at start', async (t) => {
    for (const node of NODES) t.equal(conf(node).logLevel, 'verbose', `${node}: started with verbose`);
    await ok({ multus_log_level: 'debug' });
    await cluster.sim.idle();
    for (const node of NODES) t.equal(conf(node).logLevel, 'debug', `${node}: the new daemon runs with debug`);
  });

  await t.test('the pod is Ready only once 00-multus.conf is written and /healthz answers', async (t) => {
    cluster.setKnob('node2', 'holdCacheSync', true);
    let sawUnready = false;
    const unwatch = cluster.api.store.watch((event) => {
      const pod = event.object;
      if (pod.kind !== 'Pod' || (pod.spec as { nodeName?: string }).nodeName !== 'node2') return;
      const status = pod.status as { phase?: string; conditions?: Array<{ type: string; status: string }> } | undefined;
      const ready = status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      // Running, its socket open, no conf yet: Ready must wait.
      if (status?.phase === 'Running' && !ready && existsSync(at('node2', '/run/multus/multus.sock'))) {
        sawUnready = true;
        cluster.releaseCacheSync('node2');
      }
    });
    t.teardown(unwatch);
    const running = runInProcess(cluster.inventoryFile, install, { extraVars: { multus_log_level: 'error' } });
    // Should the pod turn Ready before its conf exists, release the daemon once the run is over.
    const run = await running.finally(() => cluster.releaseCacheSync('node2'));
    cluster.setKnob('node2', 'holdCacheSync', false);
    t.ok(sawUnready, 'node2 was Running but not Ready while its daemon had not written the conf');
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    t.equal(run.statuses.node2?.['Verify Multus on the node'], 'ok');
    t.equal(conf('node2').logLevel, 'error');
  });

  await t.test("Multus v4.2.0 copies no passthru, and verify does not ask for it", async (t) => {
    for (const node of NODES) rmSync(at(node, `${DATA}/data/cni/passthru`), { force: true });
    const run = await ok({ multus_version: 'v4.2.0-thick' });
    for (const node of NODES) {
      t.equal(run.statuses[node]?.['Verify Multus on the node'], 'ok', `${node} verified`);
      t.notOk(existsSync(at(node, `${DATA}/data/cni/passthru`)), `${node}: no passthru`);
    }
  });

  await t.test("the daemon's cniVersion follows the node's Flannel conflist", async (t) => {
    // A cluster network below 0.4.0 (a --flannel-cni-conf file): v4.3.0 at 1.0.0 would exit.
    for (const node of NODES) {
      const flannel = JSON.parse(readFileSync(at(node, FLANNEL), 'utf8')) as Record<string, unknown>;
      writeFileSync(at(node, FLANNEL), `${JSON.stringify({ ...flannel, cniVersion: '0.3.1' }, null, 2)}\n`);
    }
    const run = await ok();
    await cluster.sim.idle();
    for (const node of NODES) {
      t.equal(run.statuses[node]?.['Verify Multus on the node'], 'ok', `${node} verified`);
      t.equal(conf(node).cniVersion, '0.3.1', `${node}: 00-multus.conf speaks the conflist's version`);
      t.equal(cluster.sim.multusPod(node)?.ready, true, `${node}: the daemon runs`);
    }
  });

  await t.test('objects another field manager changed are taken over only with --force-conflicts', async (t) => {
    // Someone followed an older guide: a client-side `kubectl apply` of the v4.2.4 manifest.
    const older = await runCli(['manifest', '-i', cluster.inventoryFile, '-e', 'multus_version=v4.2.4']);
    t.equal(older.code, 0, older.stderr);
    // Applied over the DaemonSet install made (the cniVersion change above gave it a layout
    // name of its own), so the fields it changes are another manager's.
    const ours = cluster.api.store
      .list('apps/v1', 'DaemonSet', { namespace: 'kube-system' })
      .find((d) => (d.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/managed-by'] === 'provision');
    const name = ours?.metadata.name ?? 'kube-multus-ds';
    // Its layout annotation left out (an older guide's manifest has none): the one install
    // wrote stays, so install still knows the object as its layout's.
    const unannotated = older.stdout
      .replace(/^(\s+name: )kube-multus-ds$/m, `$1${name}`)
      .split('\n')
      .filter((line) => !line.includes('provision/layout-sha256'))
      .join('\n');
    const copied = await cluster.lab.exec('node1', `cat > /tmp/older.yaml <<'EOF'\n${unannotated}\nEOF\nk3s kubectl apply -f /tmp/older.yaml`);
    t.equal(copied.exitCode, 0, copied.stderr);
    const refused = await runCli(['install', '-i', cluster.inventoryFile]);
    t.not(refused.code, 0);
    t.match(refused.stdout, /conflict with "kubectl-client-side-apply"/);
    t.match(refused.stdout, /created or changed by "kubectl-client-side-apply".*--force-conflicts/);
    const taken = await runCli(['install', '-i', cluster.inventoryFile, '--force-conflicts']);
    t.equal(taken.code, 0, taken.stdout.slice(-2000));
    const ds = cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', name) as KubeObject;
    const image = (ds.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0].image;
    t.match(image, /^ghcr\.io\/k8snetworkplumbingwg\/multus-cni:v4\.3\.0-thick@sha256:[0-9a-f]{64}$/, 'the pinned release (by tag and digest), taken over');
  });

  await t.test("a host-local lost after K3s started breaks Flannel's ADD; the bin dir does not move", async (t) => {
    const hostLocal = at('node2', `${DATA}/data/cni/host-local`);
    const target = readlinkSync(hostLocal);
    rmSync(hostLocal);
    t.teardown(() => symlinkSync(target, hostLocal));
    const run = await runInProcess(cluster.inventoryFile, smoke, { extraVars: { smoke_timeout: 5 } });
    t.equal(run.statuses.node1?.['Attach an ipvlan network to a pod on this node'], 'ok', 'node1 is fine');
    t.match(JSON.stringify(run.summary.failures), /node2.*failed to find plugin \\"host-local\\" in path \[\/var\/lib\/rancher\/k3s\/data\/cni\]/);
  });
});
