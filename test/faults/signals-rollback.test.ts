/**
 * `provision rollback` interrupted with SIGINT and killed with SIGKILL after the delete and
 * in the middle of the restore, on one 3-node lab cluster; after each, the invariants
 * (invariants.ts), then a rerun of the rollback restores every node. Before each rollback
 * node2's Multus pod restarts with an installer that copies every reference plugin over
 * K3s's names (overwriteAll), so the restore has names to put back there.
 */
import t from 'tap';
import { labSupport } from '../lab/lab.ts';
import { startCluster } from '../lab/cluster.ts';
import { watchInvariants } from './invariants.ts';
import { runAndSignal, type Trigger } from './kill-run.ts';
import { REFERENCE_COPIES, restartMultusPod, whenDaemonSetDeleted, whenTempLinkAppears } from './signal-points.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const NODES = ['node1', 'node2', 'node3'];

t.test('rollback interrupted and killed at each step', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3 });
  t.teardown(() => cluster.stop());
  const inv = await watchInvariants(t, cluster, NODES);
  const install = ['install', '-i', cluster.inventoryFile];
  const points: Array<[string, Trigger]> = [
    ['after the delete', whenDaemonSetDeleted(cluster)],
    ['in the middle of the restore', whenTempLinkAppears(cluster, 'node2')],
  ];
  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    for (const [moment, trigger] of points) {
      await t.test(`${signal} ${moment}; rerun`, async (t) => {
        await inv.rerunConverges(t, install);
        cluster.setKnob('node2', 'overwriteAll', true);
        await restartMultusPod(cluster, 'node2');
        cluster.setKnob('node2', 'overwriteAll', false);
        const run = await runAndSignal(['rollback', '-i', cluster.inventoryFile, '--force'], signal, trigger);
        t.ok(run.fired, `the ${signal} was sent ${moment}`);
        if (signal === 'SIGKILL') t.equal(run.signal, 'SIGKILL', 'the run died of SIGKILL');
        else t.equal(run.code, 130, `an interrupted run exits 130: ${run.stderr}`);
        await inv.check(t, `rollback: ${signal} ${moment}`);
        await inv.rollbackRestores(t, { node2: REFERENCE_COPIES });
      });
    }
  }
  const final = await inv.watcher.stop();
  t.same(final.failures, [], `host-local resolved at all ${final.checks} checks of the whole run`);
});
