/**
 * wait_daemonset with the real kubectl against the API stand-in; the test plays the
 * DaemonSet controller by writing the recorded objects and their status into the store.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InterruptedError } from '../../../src/errors.ts';
import { startKubeApi } from '../../lab/kube-api/server.ts';
import type { KubeObject } from '../../lab/kube-api/types.ts';
import { waitDaemonSet } from '../../../tasks/kubectl/wait-daemonset.ts';
import { createTestHostContext, type TestHostContextOptions } from '../../helpers/host-context.ts';
import { REPO_ROOT } from '../../helpers/run-provision.ts';

process.env.KUBECACHEDIR = t.testdir();

const api = await startKubeApi({ nodes: ['node1', 'node2', 'node3'] });
t.teardown(() => api.stop());
const kubeconfig = api.kubeconfigPath(t.testdir());
const ctx = (o: TestHostContextOptions = {}) => createTestHostContext({ vars: { kubeconfig }, ...o });
const recorded = (name: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/kubectl', name), 'utf8'));

// The recorded DaemonSet and its pods, re-created in this store (which assigns its own uid).
const { metadata, spec } = recorded('daemonset-progressing.json');
const ds = api.store.put({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels }, spec });
const status = (ready: number, updated = ready) => ({
  currentNumberScheduled: 3, desiredNumberScheduled: 3, numberMisscheduled: 0, numberReady: ready, numberAvailable: ready,
  updatedNumberScheduled: updated, observedGeneration: ds.metadata.generation,
});
const setStatus = (s: Record<string, unknown>) => api.store.setStatus('DaemonSet', 'kube-system', 'kube-multus-ds', s);
for (const pod of recorded('pods-node3-not-ready.json').items as KubeObject[]) {
  const { name, namespace, labels } = pod.metadata;
  const owner = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-multus-ds', uid: ds.metadata.uid, controller: true };
  const stored = api.store.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels, ownerReferences: [owner] }, spec: pod.spec });
  api.store.setStatus('Pod', namespace, stored.metadata.name!, pod.status as Record<string, unknown>);
}

t.test('waits through the rollout, reporting each step once', async (t) => {
  setStatus(status(1));
  // The rollout moves on once the module has reported the step before: no race with its polls.
  const next: Record<string, number> = { 'ready 1/3': 2, 'ready 2/3': 3 };
  const c = ctx({ onProgress: (m) => next[m] !== undefined && void setStatus(status(next[m])) });
  const res = await waitDaemonSet.run({ name: 'kube-multus-ds', timeout: 10, sleep: 0.1 }, c);
  t.match(res, { failed: false, changed: false, msg: /^daemonset kube-system\/kube-multus-ds: ready 3\/3 after \d+\.\ds$/, data: { ready: 3, desired: 3 } });
  t.same(c.progressMessages, ['ready 1/3', 'ready 2/3'], 'progress only when it moved');
  t.same(c.changes(), []);
  t.match(c.commands[0].command, /get --namespace kube-system -o json --ignore-not-found -- daemonset kube-multus-ds$/);
});

t.test('timeout names the node that holds it up, with its pod and why', async (t) => {
  setStatus(status(2, 3));
  const started = Date.now();
  const res = await waitDaemonSet.run({ name: 'kube-multus-ds', timeout: 1, sleep: 0.2 }, ctx());
  const took = Date.now() - started;
  t.match(res, {
    failed: true,
    msg: /^timed out after 1s: ready 2\/3; not ready: node3 \(pod kube-multus-ds-\w+: Running \/ Ready=False: containers with unready status: \[kube-multus\]\)$/,
  });
  t.ok(took >= 900, `not before the timeout (${took} ms)`);
  t.same(res.data?.not_ready, ['node3'], 'the nodes holding it up, by name, for the playbook');
});

t.test('a stale observedGeneration is not ready even when every count is', async (t) => {
  setStatus({ ...status(3), observedGeneration: (ds.metadata.generation ?? 1) - 1 });
  const res = await waitDaemonSet.run({ name: 'kube-multus-ds', timeout: 0.5, sleep: 0.1 }, ctx());
  t.match(res, { failed: true, msg: /^timed out after 0\.5s: ready 3\/3 \(generation \d+ not yet observed\)/ });
});

t.test('a missing DaemonSet is waited for, then named', async (t) => {
  const res = await waitDaemonSet.run({ name: 'nothing-here', namespace: 'default', timeout: 0.3, sleep: 0.1 }, ctx());
  t.match(res, { failed: true, msg: 'timed out after 0.3s: daemonset default/nothing-here not found' });
  const broken = createTestHostContext({ vars: { kubeconfig: '/nonexistent/kubeconfig' } });
  t.match(await waitDaemonSet.run({ name: 'x', timeout: 5 }, broken), { failed: true, msg: /^cannot read daemonset kube-system\/x: / });
});

t.test('interruption stops the wait at once', async (t) => {
  setStatus(status(1));
  const controller = new AbortController();
  // Interrupted once the first read has been judged, i.e. during the 10 s pause after it.
  const c = ctx({ signal: controller.signal, onProgress: () => controller.abort() });
  const err = await waitDaemonSet.run({ name: 'kube-multus-ds', timeout: 60, sleep: 10 }, c).catch((e: unknown) => e);
  t.ok(err instanceof InterruptedError, `interrupted: ${String(err)}`);
  t.equal(c.commands.length, 1, 'no second read: the pause ended at the interruption, not after it');
});

t.test('several DaemonSets: done when each is; a timeout names the nodes of each, only those its affinity admits', async (t) => {
  setStatus(status(3));
  // A second DaemonSet pinned to node2 by required node affinity, whose pod is missing.
  const pinned = structuredClone(spec) as { template: { spec: Record<string, unknown> } };
  pinned.template.spec.affinity = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node2'] }] }] } },
  };
  const other = api.store.put({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'kube-multus-ds-0123456789', namespace: 'kube-system', labels: metadata.labels }, spec: pinned });
  t.teardown(() => void api.store.delete('apps/v1', 'DaemonSet', 'kube-system', 'kube-multus-ds-0123456789'));
  const otherStatus = (ready: number) => api.store.setStatus('DaemonSet', 'kube-system', 'kube-multus-ds-0123456789', {
    currentNumberScheduled: 1, desiredNumberScheduled: 1, numberReady: ready, numberAvailable: ready, updatedNumberScheduled: 1, observedGeneration: other.metadata.generation,
  });
  otherStatus(0);
  const names = ['kube-multus-ds', 'kube-multus-ds-0123456789'];
  const late = await waitDaemonSet.run({ names, timeout: 0.5, sleep: 0.1 }, ctx());
  t.match(late, { failed: true, msg: /^timed out after 0\.5s: kube-multus-ds ready 3\/3, kube-multus-ds-0123456789 ready 0\/1; not ready: node2 \(no pod\)$/ });
  t.same(late.data?.not_ready, ['node2'], 'node1 and node3 are not this DaemonSet\'s');
  otherStatus(1);
  const done = await waitDaemonSet.run({ names, timeout: 5, sleep: 0.1 }, ctx());
  t.match(done, { failed: false, msg: /^daemonsets kube-system\/kube-multus-ds, kube-system\/kube-multus-ds-0123456789: kube-multus-ds ready 3\/3, kube-multus-ds-0123456789 ready 1\/1 after/, data: { ready: 4, desired: 4 } });
  t.match(done.data, { ready: 4 });
});
