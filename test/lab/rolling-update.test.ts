/**
 * A config change rolls the Multus pods node by node: the DaemonSet's
 * `updateStrategy.rollingUpdate.maxUnavailable: 1` lets the DaemonSet controller replace the
 * next node's pod only once the previous node's new pod is Ready (the lab's controller
 * follows kubernetes' pkg/controller/daemon/update.go, docs/k3s-multus.md §13). A manifest
 * with a larger maxUnavailable takes more nodes down at once, so the limit is what holds.
 */
import t from 'tap';
import { join } from 'node:path';
import { labSupport } from './lab.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { REPO_ROOT, runInProcess } from '../helpers/run-provision.ts';
import { provisionInProcess } from '../helpers/drift-lab.ts';
import type { KubeObject } from './kube-api/types.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const install = join(REPO_ROOT, 'playbooks/install.yaml');
const NODES = ['node1', 'node2', 'node3'];

const isReady = (pod: KubeObject) => ((pod.status as { conditions?: Array<{ type?: string; status?: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Follows every Multus pod through the API's events: the most nodes ever without a Ready pod at once. */
function watchUnready(cluster: Cluster): { most: () => number; stop: () => void } {
  const pods = new Map<string, KubeObject>();
  for (const pod of cluster.api.store.list('v1', 'Pod', { namespace: 'kube-system', labelSelector: 'app=multus' })) pods.set(pod.metadata.name ?? '', pod);
  let most = 0;
  const stop = cluster.api.store.watch((event) => {
    const pod = event.object;
    if (pod.kind !== 'Pod' || pod.metadata.namespace !== 'kube-system' || pod.metadata.labels?.app !== 'multus') return;
    if (event.type === 'DELETED') pods.delete(pod.metadata.name ?? '');
    else pods.set(pod.metadata.name ?? '', pod);
    const readyNodes = new Set([...pods.values()].filter((p) => isReady(p) && !p.metadata.deletionTimestamp).map((p) => (p.spec as { nodeName?: string }).nodeName));
    most = Math.max(most, NODES.filter((n) => !readyNodes.has(n)).length);
  });
  return { most: () => most, stop };
}

t.test('a config change replaces one node\'s Multus pod at a time', { skip }, async (t) => {
  process.env.KUBECACHEDIR = t.testdir();
  const cluster = await startCluster({ nodes: 3, podStartDelayMs: 50 });
  t.teardown(() => cluster.stop());
  const first = await runInProcess(cluster.inventoryFile, install);
  t.equal(first.summary.exitCode, 0, JSON.stringify(first.summary.failures));
  await cluster.sim.idle();
  const podNames = () => cluster.api.store.list('v1', 'Pod', { namespace: 'kube-system', labelSelector: 'app=multus' }).map((p) => p.metadata.name).sort();

  await t.test('install with another log level: every pod replaced, never two nodes without a Ready pod', async (t) => {
    const before = podNames();
    const watch = watchUnready(cluster);
    const run = await runInProcess(cluster.inventoryFile, install, { extraVars: { multus_log_level: 'debug' } });
    await cluster.sim.idle();
    watch.stop();
    t.equal(run.summary.exitCode, 0, JSON.stringify(run.summary.failures));
    t.equal(podNames().filter((n) => before.includes(n)).length, 0, 'every pod replaced');
    t.equal(watch.most(), 1, `at most one node without a Ready Multus pod at any moment (${watch.most()})`);
  });

  await t.test('the same change with maxUnavailable 3 takes every node down at once', async (t) => {
    const rendered = await provisionInProcess(['manifest', '-i', cluster.inventoryFile, '-e', 'multus_log_level=error']);
    t.equal(rendered.code, 0, rendered.stderr);
    const loose = rendered.stdout.replace('maxUnavailable: 1', 'maxUnavailable: 3');
    t.not(loose, rendered.stdout);
    const watch = watchUnready(cluster);
    const applied = await cluster.lab.exec('node1', `k3s kubectl apply --server-side --force-conflicts -f - <<'EOF'\n${loose}EOF`);
    t.equal(applied.exitCode, 0, applied.stderr);
    await cluster.sim.idle();
    watch.stop();
    t.equal(watch.most(), 3, 'the limit, not the simulation, kept the first roll to one node');
  });
});
