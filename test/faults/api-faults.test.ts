/**
 * The Kubernetes API failing under `provision install` and `provision rollback`, on one
 * 3-node lab cluster, each fault followed by the invariants (invariants.ts): 500s and
 * dropped connections during the apply, during the wait, during rollback's delete and its
 * wait for the pods to go. Faults are armed by the API stand-in's own events (the first
 * apply request, the DaemonSet stored, the first delete), never by a delay.
 */
import t from 'tap';
import { join } from 'node:path';
import { labSupport } from '../lab/lab.ts';
import { startCluster } from '../lab/cluster.ts';
import type { FaultAction, FaultRequest } from '../lab/kube-api/server.ts';
import { runCli } from '../helpers/run-provision.ts';
import { watchInvariants } from './invariants.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const NODES = ['node1', 'node2', 'node3'];
const DS_PATH = '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-multus-ds';

t.test('the Kubernetes API failing during install and rollback', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3 });
  t.teardown(() => cluster.stop());
  const inv = await watchInvariants(t, cluster, NODES);
  const install = ['install', '-i', cluster.inventoryFile];
  const rollback = ['rollback', '-i', cluster.inventoryFile, '--force'];

  /** From the first request `arm` matches on, every request `hit` matches gets `action`. */
  function faultFrom(action: FaultAction, arm: (r: FaultRequest) => boolean, hit: (r: FaultRequest) => boolean = () => true) {
    let armed = false;
    let hits = 0;
    const remove = cluster.api.injectFault({
      action,
      match: (r) => (armed ||= arm(r)) && hit(r),
      onHit: () => void hits++,
    });
    return { remove, hits: () => hits };
  }
  const noDaemonSet = () => cluster.api.store.get('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds') === undefined;

  await t.test('500 on the apply: the run stops there, nothing but the backup is written', async (t) => {
    const fault = faultFrom('internal-error', (r) => r.method === 'PATCH');
    const cli = await runCli(install);
    fault.remove();
    t.ok(fault.hits() > 0, 'the API answered 500');
    t.equal(cli.code, 1, cli.stdout + cli.stderr);
    t.match(cli.stdout, /fatal: \[node1\]: FAILED! => kubectl apply failed: Error from server[^\n]*Internal error occurred/, 'the failure names the host and the API error');
    t.match(cli.stdout, /every host of the batch \(node1, node2, node3\) failed or was unreachable; stopping/, 'no host goes past the apply');
    t.ok(noDaemonSet(), 'no DaemonSet stored');
    t.notMatch(cli.stdout, /TASK \[Re-link/, 'no re-link ran');
    await inv.check(t, '500 on the apply');
    await inv.rerunConverges(t, install);
  });

  await t.test('the API gone during the apply: the run stops there; a rerun converges', async (t) => {
    const fault = faultFrom('drop-connection', (r) => r.method === 'PATCH');
    const cli = await runCli(install);
    fault.remove();
    t.ok(fault.hits() > 0, 'the API dropped connections');
    t.equal(cli.code, 1, cli.stdout + cli.stderr);
    t.match(cli.stdout, /fatal: \[node1\]: FAILED! => kubectl apply failed/);
    await inv.check(t, 'API gone during the apply');
    await inv.rerunConverges(t, install);
  });

  await t.test('500 during the wait: every host fails, saying why, after its re-link; a rerun converges', async (t) => {
    let stored = false;
    const unlisten = cluster.api.on('applied', (o) => void (stored ||= o.kind === 'DaemonSet'));
    const fault = faultFrom('internal-error', (r) => stored && r.method === 'GET' && r.path.startsWith(DS_PATH));
    const cli = await runCli([...install, '-e', 'multus_wait_timeout=20']);
    fault.remove();
    unlisten();
    t.ok(fault.hits() > 0, 'the API answered 500 to the wait');
    t.equal(cli.code, 1, cli.stdout + cli.stderr);
    for (const node of NODES) t.match(cli.stdout, new RegExp(`Multus is not ready on ${node}: [^\\n]*Internal error occurred`), `${node}: the failure says why`);
    await inv.check(t, '500 during the wait');
    await inv.rerunConverges(t, install);
  });

  await t.test("500 on rollback's delete: it stops before any node is touched", async (t) => {
    const fault = faultFrom('internal-error', (r) => r.method === 'DELETE');
    const cli = await runCli(rollback);
    fault.remove();
    t.ok(fault.hits() > 0, 'the API answered 500 to the delete');
    t.equal(cli.code, 1, cli.stdout + cli.stderr);
    t.match(cli.stdout, /fatal: \[node1\]: FAILED! => [^\n]*Internal error occurred/);
    t.notMatch(cli.stdout, /TASK \[Remove Multus's files from the node\]/, 'no node was touched');
    await inv.check(t, "500 on rollback's delete");
  });

  await t.test("500 on every read after rollback's delete: no node loses its files while its pod may run", async (t) => {
    let deleted = false;
    const unlisten = cluster.api.on('deleted', (o) => void (deleted ||= o.kind === 'DaemonSet'));
    const blind = faultFrom('internal-error', (r) => deleted && r.method === 'GET');
    const cli = await runCli([...rollback, '-e', 'rollback_wait_timeout=5']);
    blind.remove();
    unlisten();
    t.ok(blind.hits() > 0, 'the wait could not see the pods');
    t.equal(cli.code, 1, cli.stdout + cli.stderr);
    t.notMatch(cli.stdout, /TASK \[Remove Multus's files from the node\][^]*?changed:/, 'no file was removed without knowing the pods are gone');
    await inv.check(t, "API failing during rollback's wait");
    await inv.rollbackRestores(t);
    const final = await inv.watcher.stop();
    t.same(final.failures, [], `host-local resolved at all ${final.checks} checks of the whole run`);
  });
});
