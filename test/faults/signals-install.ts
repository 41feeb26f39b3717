/**
 * For signals-install-*.test.ts: `provision install` interrupted with SIGINT or killed with SIGKILL after the backup,
 * after the apply and in the middle of the re-link, on one 3-node lab cluster; after each,
 * the invariants (invariants.ts), then a rerun converges, then a rollback restores every
 * node. node2's Multus pod copies every reference plugin over K3s's names (overwriteAll),
 * so its re-link always has names to replace.
 */
import type { Test } from 'tap';
import { labSupport } from '../lab/lab.ts';
import { startCluster } from '../lab/cluster.ts';
import { watchInvariants } from './invariants.ts';
import { runAndSignal, type Trigger } from './kill-run.ts';
import { REFERENCE_COPIES, whenDaemonSetApplied, whenTaskStarts, whenTempLinkAppears } from './signal-points.ts';

const support = labSupport();
export const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const NODES = ['node1', 'node2', 'node3'];

/** The three moments for one signal, on one cluster (a file per signal, so they run in parallel). */
export async function installSignalled(t: Test, signal: 'SIGINT' | 'SIGKILL'): Promise<void> {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3, perNode: { node2: { overwriteAll: true } } });
  t.teardown(() => cluster.stop());
  const inv = await watchInvariants(t, cluster, NODES);
  const install = ['install', '-i', cluster.inventoryFile];
  const points: Array<[string, Trigger]> = [
    ['after the backup', whenTaskStarts('Render the Multus manifest')],
    ['after the apply', whenDaemonSetApplied(cluster)],
    ['in the middle of the re-link', whenTempLinkAppears(cluster, 'node2')],
  ];
  for (const [moment, trigger] of points) {
    await t.test(`${signal} ${moment}; rerun; rollback`, async (t) => {
      const run = await runAndSignal(install, signal, trigger);
      t.ok(run.fired, `the ${signal} was sent ${moment}`);
      if (signal === 'SIGKILL') t.equal(run.signal, 'SIGKILL', 'the run died of SIGKILL');
      else t.equal(run.code, 130, `an interrupted run exits 130: ${run.stderr}`);
      await inv.check(t, `${signal} ${moment}`);
      await inv.rerunConverges(t, install);
      await inv.rollbackRestores(t, { node2: REFERENCE_COPIES });
    });
  }
  const final = await inv.watcher.stop();
  t.same(final.failures, [], `host-local resolved at all ${final.checks} checks of the whole run`);
}
