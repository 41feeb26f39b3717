/**
 * The cluster side of drift (pure): each DaemonSet install applied (found by the label
 * every object install applies carries) exists, is ready on every inventory node and runs
 * the configured image; nodes of the cluster that no inventory host is are listed, not
 * counted as drift.
 */
import { nodeHoldUps } from '../kubectl/daemonset-status.ts';
import { nodeSelectedBy } from '../kubectl/node-affinity.ts';
import type { KubeObject } from '../kubectl/objects.ts';
import type { DriftItem } from './types.ts';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_SELECTOR = `${MANAGED_BY_LABEL}=provision`;
export const MULTUS_NAMESPACE = 'kube-system';

export interface ClusterView {
  daemonsets: KubeObject[];
  pods: KubeObject[];
  nodes: KubeObject[];
}

export interface InventoryNode {
  /** inventory_hostname */
  host: string;
  /** The Kubernetes node name of that host. */
  node: string;
  /** false: only counted as known (not installed, not read); its DaemonSet pods are not judged. */
  judge?: boolean;
}

export interface ClusterDrift {
  items: DriftItem[];
  /** Cluster nodes no inventory host is. */
  extraNodes: string[];
}

interface PodTemplate {
  template?: { spec?: { nodeSelector?: Record<string, string>; containers?: Array<{ name?: string; image?: string }>; initContainers?: Array<{ name?: string; image?: string }> } };
}

const templateOf = (ds: KubeObject): NonNullable<PodTemplate['template']> => ((ds.spec ?? {}) as PodTemplate).template ?? {};

function scheduledOn(ds: KubeObject, node: KubeObject | undefined, pods: KubeObject[]): boolean {
  const uid = ds.metadata?.uid;
  const hasPod = pods.some(
    (p) => (p.spec as { nodeName?: string } | undefined)?.nodeName === node?.metadata?.name &&
      (!uid || (p.metadata?.ownerReferences as Array<{ uid?: string }> | undefined)?.some((r) => r.uid === uid)),
  );
  return hasPod || (node !== undefined && nodeSelectedBy(ds, node));
}

/** The images of the DaemonSet's multus-daemon containers (those running a multus image). */
export function multusImages(ds: KubeObject): string[] {
  const spec = templateOf(ds).spec ?? {};
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])]
    .map((c) => c.image ?? '')
    .filter((image) => /(^|\/)multus-cni(:|@|$)/.test(image));
}

export function evaluateClusterDrift(view: ClusterView, inventory: InventoryNode[], image: string): ClusterDrift {
  const items: DriftItem[] = [];
  const known = new Set(inventory.map((n) => n.node));
  const extraNodes = view.nodes.map((n) => n.metadata?.name ?? '').filter((name) => name !== '' && !known.has(name)).sort();
  const where = (ds: KubeObject) => `${ds.metadata?.namespace ?? MULTUS_NAMESPACE}/${ds.metadata?.name ?? '?'}`;
  for (const { host, node } of inventory.filter((n) => n.judge !== false)) {
    const nodeObject = view.nodes.find((n) => n.metadata?.name === node);
    const mine = view.daemonsets.filter((ds) => scheduledOn(ds, nodeObject, view.pods));
    if (mine.length === 0) {
      items.push({
        host,
        kind: 'daemonset_missing',
        expected: `a DaemonSet in ${MULTUS_NAMESPACE} labelled ${MANAGED_BY_SELECTOR} for node ${node}`,
        found: view.daemonsets.length === 0 ? 'none in the cluster' : `none for this node (${view.daemonsets.map(where).join(', ')})`,
        severity: 'error',
      });
      continue;
    }
    for (const ds of mine) {
      const holdUp = nodeHoldUps(ds, view.pods, view.nodes).find((h) => h.node === node);
      if (holdUp) {
        items.push({ host, kind: 'daemonset_not_ready', path: where(ds), expected: `a Ready, updated pod on ${node}`, found: holdUp.reason, severity: 'error' });
      }
      const wrong = multusImages(ds).filter((i) => i !== image);
      if (wrong.length > 0) {
        items.push({ host, kind: 'image_mismatch', path: where(ds), expected: image, found: [...new Set(wrong)].join(', '), severity: 'error' });
      }
    }
  }
  return { items, extraNodes };
}
