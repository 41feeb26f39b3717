/**
 * Who uses a secondary network (docs/k3s-multus.md §12): pods annotated
 * `k8s.v1.cni.cncf.io/networks` that are still running or starting. Pure; tested from
 * recorded kubectl output.
 */
import type { KubeObject } from './objects.ts';

export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
export const NAD_CRD = 'network-attachment-definitions.k8s.cni.cncf.io';
export const NAD_RESOURCE = 'network-attachment-definitions.k8s.cni.cncf.io';

export interface AttachedPod {
  namespace: string;
  name: string;
  /** spec.nodeName, or '' when not scheduled yet. */
  node: string;
  networks: string;
}

/** Pods that asked for a secondary network and have not finished (Succeeded/Failed keep no net1). */
export function attachedPods(pods: KubeObject[]): AttachedPod[] {
  const out: AttachedPod[] = [];
  for (const pod of pods) {
    const annotations = (pod.metadata?.annotations ?? {}) as Record<string, unknown>;
    const networks = annotations[NETWORKS_ANNOTATION];
    if (typeof networks !== 'string' || networks.trim() === '') continue;
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    out.push({
      namespace: pod.metadata?.namespace ?? 'default',
      name: pod.metadata?.name ?? '',
      node: (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '',
      networks: networks.trim(),
    });
  }
  return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** `default/web-1 (node2)`, as the refusal prints it. */
export function podLine(p: AttachedPod): string {
  return `${p.namespace}/${p.name} (${p.node || 'not scheduled'})`;
}

export const namespacedName = (o: KubeObject): string => `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`;
