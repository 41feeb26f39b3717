/**
 * The DaemonSet rollout evaluator and the not-ready-nodes message, from DaemonSet, Pod and
 * Node JSON that the real kubectl client printed from the lab's API stand-in and kubelet
 * simulation, not a real cluster (test/fixtures/kubectl/README.md; node3 never ready), plus
 * kubelet-shaped pod statuses written here for the states the lab does not produce.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonSetProgress, labelSelector, notReadyNodes, podReady, podStatusText } from '../../../tasks/kubectl/daemonset-status.ts';
import { parseKubectlObjects, type KubeObject } from '../../../tasks/kubectl/objects.ts';
import { REPO_ROOT } from '../../helpers/run-provision.ts';

const load = (name: string): KubeObject[] => parseKubectlObjects(readFileSync(join(REPO_ROOT, 'test/fixtures/kubectl', name), 'utf8'));
const [complete] = load('daemonset-complete.json');
const [progressing] = load('daemonset-progressing.json');
const [stuck] = load('daemonset-node3-not-ready.json');
const pods = load('pods-node3-not-ready.json');
const nodes = load('nodes.json');

t.test('rollout progress from recorded statuses', async (t) => {
  t.match(daemonSetProgress(complete), { desired: 3, ready: 3, updated: 3, observed: true, done: true, summary: 'ready 3/3' });
  t.match(daemonSetProgress(progressing), { desired: 3, ready: 1, updated: 1, done: false, summary: 'ready 1/3' });
  const updating = { ...complete, status: { ...(complete.status as object), updatedNumberScheduled: 1 } };
  t.match(daemonSetProgress(updating), { ready: 3, updated: 1, done: false, summary: 'ready 3/3 (updated 1/3)' }, 'old pods still serving');
  t.match(daemonSetProgress(stuck), { desired: 3, ready: 2, updated: 3, done: false, summary: 'ready 2/3' });
});

t.test('a status the controller has not caught up with is not done', async (t) => {
  // The spec changed (generation 2) but the status still describes generation 1.
  const stale = { ...complete, metadata: { ...complete.metadata, generation: 2 } };
  t.match(daemonSetProgress(stale), { observed: false, done: false, summary: 'ready 3/3 (generation 2 not yet observed)' });
});

t.test('a DaemonSet scheduled on no node is never ready', async (t) => {
  // What the API holds right after creation: the zero counters (the others are omitted).
  const fresh = { ...complete, status: { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, observedGeneration: 1 } };
  t.match(daemonSetProgress(fresh), { desired: 0, ready: 0, done: false, summary: 'ready 0/0 (no node is scheduled to run it)' });
  t.match(daemonSetProgress({ ...complete, status: undefined }), { desired: 0, done: false }, 'no status at all');
});

t.test('the selector of the recorded DaemonSet, and expressions', async (t) => {
  t.equal(labelSelector(complete), 'name=multus');
  const ds: KubeObject = {
    spec: {
      selector: {
        matchLabels: { app: 'x' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['node', 'edge'] },
          { key: 'zone', operator: 'NotIn', values: ['a'] },
          { key: 'on', operator: 'Exists' },
          { key: 'off', operator: 'DoesNotExist' },
        ],
      },
    },
  };
  t.equal(labelSelector(ds), 'app=x,tier in (node,edge),zone notin (a),on,!off');
  t.equal(labelSelector({ spec: {} }), undefined);
});

t.test('the not-ready message names node3 and why, from the recorded pods', async (t) => {
  const pod3 = pods.find((p) => (p.spec as { nodeName: string }).nodeName === 'node3');
  t.ok(pod3);
  t.equal(podReady(pod3!), false);
  t.equal(podStatusText(pod3!), 'Running');
  const list = notReadyNodes(stuck, pods, nodes);
  t.same(list, [`node3 (pod ${pod3!.metadata?.name}: Running / Ready=False: containers with unready status: [kube-multus])`]);
  t.same(notReadyNodes(complete, pods.filter((p) => p !== pod3), nodes), ['node3 (no pod)'], 'a node without a pod is named');
  const foreign = pods.map((p) => ({ ...p, metadata: { ...p.metadata, ownerReferences: [{ uid: 'another-daemonset' }] } }));
  t.same(notReadyNodes(stuck, foreign, nodes), ['node1 (no pod)', 'node2 (no pod)', 'node3 (no pod)'], 'pods of another owner do not count');
  const newer = { ...stuck, metadata: { ...stuck.metadata, generation: 2 } };
  t.match(notReadyNodes(newer, pods, nodes)[0], /^node1 \(pod kube-multus-ds-\w+: Running \/ Ready=True, not updated\)$/, 'pods of an older template are named');
  const selective = { ...stuck, spec: { ...(stuck.spec as object), template: { spec: { nodeSelector: { 'kubernetes.io/hostname': 'node9' } } } } };
  t.same(notReadyNodes(selective, [], nodes), [], 'nodes outside its nodeSelector are not expected to run it');
});

const initPod = (initStatuses: unknown[], extra: Record<string, unknown> = {}): KubeObject => ({
  kind: 'Pod',
  metadata: { name: 'kube-multus-ds-abcde' },
  spec: { nodeName: 'node3', initContainers: [{ name: 'install-multus-binary' }, { name: 'install-cni-plugins' }] },
  status: {
    phase: 'Pending',
    conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [kube-multus]' }],
    initContainerStatuses: initStatuses,
    containerStatuses: [{ name: 'kube-multus', ready: false, state: { waiting: { reason: 'PodInitializing' } } }],
    ...extra,
  },
});

t.test('pod status text as kubectl shows it', async (t) => {
  const waiting = { state: { waiting: { reason: 'PodInitializing' } } };
  const done = { state: { terminated: { exitCode: 0, reason: 'Completed' } } };
  t.equal(podStatusText(initPod([waiting, waiting])), 'Init:0/2');
  t.equal(podStatusText(initPod([done, waiting])), 'Init:1/2');
  t.equal(podStatusText(initPod([{ state: { terminated: { exitCode: 1, reason: 'Error' } } }, waiting])), 'Init:Error');
  t.equal(podStatusText(initPod([{ state: { waiting: { reason: 'ImagePullBackOff', message: 'pull access denied' } } }, waiting])), 'Init:ImagePullBackOff');
  t.equal(podStatusText(initPod([done, done])), 'PodInitializing');
  t.equal(podStatusText({ status: { phase: 'Running', containerStatuses: [{ state: { waiting: { reason: 'CrashLoopBackOff' } } }] } }), 'CrashLoopBackOff');
  t.equal(podStatusText({ metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Running' } }), 'Terminating');
  t.equal(podStatusText({}), 'Unknown');
  const [line] = notReadyNodes({ metadata: { generation: 1 } }, [initPod([{ state: { waiting: { reason: 'ImagePullBackOff', message: 'x'.repeat(400) } } }, waiting])], []);
  t.match(line, /^node3 \(pod kube-multus-ds-abcde: Init:ImagePullBackOff \/ Ready=False: x{100,}…\)$/, 'the reason, shortened');
  t.ok(line.length < 250);
  t.same(notReadyNodes({}, [initPod([waiting, waiting])], []), ['node3 (pod kube-multus-ds-abcde: Init:0/2 / Ready=False: containers with unready status: [kube-multus])']);
});
