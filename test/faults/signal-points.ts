/**
 * Moments to signal a run at, each an event: a task starting (from the run's JSON lines),
 * the API stand-in storing or deleting the DaemonSet, a temp link appearing in a node's CNI
 * bin dir (inotify: the re-link or restore is under way there).
 */
import { watch } from 'node:fs';
import type { Cluster } from '../lab/cluster.ts';
import { CNI_DIR } from '../lab/rollback-checks.ts';
import type { Trigger } from './kill-run.ts';

export const whenTaskStarts = (task: string): Trigger => (fire, onEvent) => {
  onEvent((e) => {
    if (e.type === 'task_start' && e.task === task) fire();
  });
  return () => {};
};

export const whenDaemonSetApplied = (cluster: Cluster): Trigger => (fire) =>
  cluster.api.on('applied', (o) => {
    if (o.kind === 'DaemonSet') fire();
  });

export const whenDaemonSetDeleted = (cluster: Cluster): Trigger => (fire) =>
  cluster.api.on('deleted', (o) => {
    if (o.kind === 'DaemonSet') fire();
  });

export const whenTempLinkAppears = (cluster: Cluster, node: string): Trigger => (fire) => {
  const watcher = watch(cluster.lab.hostPath(node, CNI_DIR), (_event, name) => {
    if (String(name).startsWith('.provision-link-')) fire();
  });
  return () => watcher.close();
};

/** Make the node's pod start again: with `overwriteAll` its installer copies over K3s's names. */
export async function restartMultusPod(cluster: Cluster, node: string): Promise<void> {
  const pod = cluster.api.store.list('v1', 'Pod', { namespace: 'kube-system', fieldSelector: `spec.nodeName=${node}` })[0];
  if (!pod) return;
  const r = await cluster.lab.exec(node, `k3s kubectl delete pod -n kube-system ${pod.metadata.name}`);
  if (r.exitCode !== 0) throw new Error(`${node}: deleting its Multus pod: ${r.stderr}`);
  await cluster.sim.idle();
}

/** What the installer on an `overwriteAll` node copies besides K3s's names (the reference plugins). */
export const REFERENCE_COPIES = ['dhcp', 'dummy', 'host-device', 'macvlan', 'ptp', 'sbr', 'static', 'tap', 'tuning', 'vlan', 'vrf'];
