/**
 * Pod objects and statuses as a DaemonSet controller and kubelet would write them, for the
 * simulation to put in the API stand-in's store.
 */
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../kube-api/types.ts';
import { clone } from '../kube-api/types.ts';
import { timestamp } from '../kube-api/store.ts';

/** Kubernetes' random name suffix alphabet (no vowels, no look-alikes). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function nameSuffix(length = 5): string {
  return [...randomBytes(length)].map((b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length]).join('');
}

export function isDaemonSetPod(pod: KubeObject): boolean {
  return (pod.metadata.ownerReferences ?? []).some((r) => (r as { kind?: string }).kind === 'DaemonSet');
}

/** A new pod of `ds` bound to `node`, Pending while its init containers run. */
export function daemonSetPod(ds: KubeObject, node: string): KubeObject {
  const template = (ds.spec as { template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> } }).template;
  const generation = String(ds.metadata.generation ?? 1);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${ds.metadata.name}-${nameSuffix()}`,
      namespace: ds.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), 'controller-revision-hash': nameSuffix(10), 'pod-template-generation': generation },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata.name, uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: { ...clone(template.spec), nodeName: node },
    status: podStatus({ phase: 'Pending', ready: false, reason: 'PodInitializing' }),
  };
}

export interface PodStatusInput {
  phase: 'Pending' | 'Running';
  ready: boolean;
  /** Why it is not ready (shown by kubectl as the pod's status). */
  reason?: string;
  message?: string;
  podIP?: string;
  hostIP?: string;
  containers?: string[];
}

export function podStatus(input: PodStatusInput): Record<string, unknown> {
  const now = timestamp();
  const condition = (type: string, status: boolean) => ({
    type,
    status: status ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: now,
    ...(!status && input.reason ? { reason: input.reason } : {}),
    ...(!status && input.message ? { message: input.message } : {}),
  });
  const running = input.phase === 'Running';
  return {
    phase: input.phase,
    conditions: [
      condition('PodScheduled', true),
      condition('Initialized', running),
      condition('ContainersReady', input.ready),
      condition('Ready', input.ready),
    ],
    ...(input.hostIP ? { hostIP: input.hostIP, hostIPs: [{ ip: input.hostIP }] } : {}),
    ...(input.podIP ? { podIP: input.podIP, podIPs: [{ ip: input.podIP }] } : {}),
    ...(running ? { startTime: now } : {}),
    containerStatuses: (input.containers ?? []).map((name) => ({
      name,
      ready: input.ready,
      started: running,
      restartCount: 0,
      state: running ? { running: { startedAt: now } } : { waiting: { reason: input.reason ?? 'PodInitializing', message: input.message } },
    })),
  };
}

/** The DaemonSet status fields `kubectl rollout status` and waiters read. */
export interface DaemonSetCounts {
  desired: number;
  scheduled: number;
  ready: number;
  updated: number;
}

export function daemonSetStatus(ds: KubeObject, counts: DaemonSetCounts): Record<string, unknown> {
  return {
    currentNumberScheduled: counts.scheduled,
    desiredNumberScheduled: counts.desired,
    numberMisscheduled: 0,
    numberReady: counts.ready,
    numberAvailable: counts.ready,
    ...(counts.desired > counts.ready ? { numberUnavailable: counts.desired - counts.ready } : {}),
    updatedNumberScheduled: counts.updated,
    observedGeneration: ds.metadata.generation ?? 1,
  };
}
