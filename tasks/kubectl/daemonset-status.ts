/**
 * Is a DaemonSet rolled out, and if not, which nodes hold it up? Pure evaluators of
 * kubectl's JSON for the DaemonSet, its pods and the nodes; tested from recorded output.
 */
import type { KubeObject } from './objects.ts';
import { nodeSelectedBy } from './node-affinity.ts';

export interface DaemonSetProgress {
  desired: number;
  ready: number;
  updated: number;
  /** The controller has seen the current spec (status.observedGeneration == metadata.generation). */
  observed: boolean;
  done: boolean;
  /** `ready 2/3`, with what else is missing. */
  summary: string;
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Done like `kubectl rollout status`: the controller observed the current generation, and
 * every node that should run a pod runs an updated, ready one. A DaemonSet scheduled on
 * no node is not done: nothing would be running.
 */
export function daemonSetProgress(ds: KubeObject): DaemonSetProgress {
  const status = (ds.status ?? {}) as Record<string, unknown>;
  // Zero-valued counters are omitted from the API's JSON.
  const desired = count(status.desiredNumberScheduled);
  const ready = count(status.numberReady);
  const updated = count(status.updatedNumberScheduled);
  const generation = ds.metadata?.generation;
  const observed = generation === undefined || status.observedGeneration === generation;
  const done = observed && desired > 0 && updated === desired && ready === desired;
  const notes: string[] = [];
  if (!observed) notes.push(`generation ${generation} not yet observed`);
  else if (desired === 0) notes.push('no node is scheduled to run it');
  // Only worth saying when it differs from the ready count: old pods still serving.
  else if (updated !== desired && updated !== ready) notes.push(`updated ${updated}/${desired}`);
  return { desired, ready, updated, observed, done, summary: `ready ${ready}/${desired}${notes.length ? ` (${notes.join(', ')})` : ''}` };
}

/** The DaemonSet's pod selector in kubectl's `-l` syntax. */
export function labelSelector(ds: KubeObject): string | undefined {
  const selector = ((ds.spec ?? {}) as { selector?: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } }).selector;
  if (!selector) return undefined;
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : undefined;
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: { reason?: string; exitCode?: number; message?: string }; running?: unknown };
}

interface PodStatus {
  phase?: string;
  reason?: string;
  conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
}

/** The pod is Ready (its Ready condition is True). */
export function podReady(pod: KubeObject): boolean {
  const status = (pod.status ?? {}) as PodStatus;
  return (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** What `kubectl get pods` shows as STATUS (Init:0/2, ContainerCreating, CrashLoopBackOff, Running…). */
export function podStatusText(pod: KubeObject): string {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  const status = (pod.status ?? {}) as PodStatus;
  const inits = status.initContainerStatuses ?? [];
  const initCount = ((pod.spec ?? {}) as { initContainers?: unknown[] }).initContainers?.length ?? inits.length;
  for (const [i, c] of inits.entries()) {
    const t = c.state?.terminated;
    if (t && t.exitCode === 0) continue;
    if (t) return `Init:${t.reason ?? `ExitCode:${t.exitCode}`}`;
    const reason = c.state?.waiting?.reason;
    if (reason && reason !== 'PodInitializing') return `Init:${reason}`;
    return `Init:${i}/${initCount}`;
  }
  let text = status.reason ?? status.phase ?? 'Unknown';
  for (const c of status.containerStatuses ?? []) {
    const reason = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (reason) text = reason;
  }
  return text;
}

/** Why a pod is not ready, as kubelet put it (first message found), for the failure message. */
function podProblem(pod: KubeObject): string | undefined {
  const status = (pod.status ?? {}) as PodStatus;
  for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const message = c.state?.waiting?.message ?? c.state?.terminated?.message;
    if (message) return message;
  }
  return status.conditions?.find((c) => c.type === 'Ready' && c.status !== 'True')?.message;
}

const nodeOf = (pod: KubeObject): string | undefined => ((pod.spec ?? {}) as { nodeName?: string }).nodeName;

/** Nodes the DaemonSet's pods should run on: its template's nodeSelector and required node affinity. */
function eligibleNodes(ds: KubeObject, nodes: KubeObject[]): string[] {
  return nodes
    .filter((n) => nodeSelectedBy(ds, n))
    .map((n) => n.metadata?.name ?? '')
    .filter(Boolean);
}

const shorten = (s: string, max = 160): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/**
 * One entry per node that holds the rollout up: `node3 (pod kube-multus-ds-x: Init:0/2 /
 * Ready=False: <why>)`, or `node4 (no pod)`. Pods of the DaemonSet are those it owns
 * (by uid), and of an older template generation are named as not updated.
 */
export interface NodeHoldUp {
  node: string;
  /** "no pod", or each pod's status and reason */
  reason: string;
}

/** Each node that holds the rollout up (no pod, or a pod not ready or not updated), by name. */
export function nodeHoldUps(ds: KubeObject, pods: KubeObject[], nodes: KubeObject[]): NodeHoldUp[] {
  const uid = ds.metadata?.uid;
  const own = pods.filter((p) => !uid || (p.metadata?.ownerReferences as Array<{ uid?: string }> | undefined)?.some((r) => r.uid === uid));
  const generation = ds.metadata?.generation;
  const byNode = new Map<string, KubeObject[]>();
  for (const pod of own) {
    const node = nodeOf(pod);
    if (node) byNode.set(node, [...(byNode.get(node) ?? []), pod]);
  }
  const names = new Set([...eligibleNodes(ds, nodes), ...byNode.keys()]);
  const out: NodeHoldUp[] = [];
  for (const node of [...names].sort()) {
    const nodePods = byNode.get(node) ?? [];
    if (nodePods.length === 0) {
      out.push({ node, reason: 'no pod' });
      continue;
    }
    const problems = nodePods.flatMap((pod) => {
      const ready = podReady(pod);
      const podGeneration = pod.metadata?.labels?.['pod-template-generation'];
      const stale = generation !== undefined && podGeneration !== undefined && podGeneration !== String(generation);
      if (ready && !stale) return [];
      const why = ready ? undefined : podProblem(pod);
      const text = `${podStatusText(pod)} / Ready=${ready ? 'True' : 'False'}${stale ? ', not updated' : ''}${why ? `: ${shorten(why)}` : ''}`;
      return [`pod ${pod.metadata?.name ?? '?'}: ${text}`];
    });
    if (problems.length > 0) out.push({ node, reason: problems.join('; ') });
  }
  return out;
}

/** The same, as text for a failure message: `node3 (pod kube-multus-ds-x: …)`. */
export function notReadyNodes(ds: KubeObject, pods: KubeObject[], nodes: KubeObject[]): string[] {
  return nodeHoldUps(ds, pods, nodes).map((h) => `${h.node} (${h.reason})`);
}
