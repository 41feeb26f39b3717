/**
 * What the cluster's current Multus DaemonSets decide in a new rendering (pure): the names
 * the layouts keep, and the nodes outside this run (another --limit, another serial batch)
 * that keep their Multus pod. A stopped daemon deletes 00-multus.conf (docs/k3s-multus.md),
 * so a node installed earlier must never lose its pod because this run did not name it.
 */
import { stringify } from 'yaml';
import { pinnedHostnames } from '../kubectl/node-affinity.ts';
import type { KubeObject } from '../kubectl/objects.ts';
import { configmapFor, layoutSuffix, MULTUS_DAEMONSET, type LayoutGroup } from './layout-groups.ts';

export const LAYOUT_ANNOTATION = 'provision/layout-sha256';

/** A DaemonSet install applied earlier, as the cluster has it now. */
export interface CurrentDaemonSet {
  name: string;
  /** Its `provision/layout-sha256` annotation; undefined on a DaemonSet rendered before it existed. */
  layoutSha256?: string;
  /** The ConfigMap its pods mount their daemon-config.json from. */
  configmap?: string;
  /** The nodes it is pinned to (required affinity on kubernetes.io/hostname). */
  nodes: string[];
  object: KubeObject;
}

interface Volume {
  name?: string;
  configMap?: { name?: string };
}

export function readCurrentDaemonSets(objects: readonly KubeObject[]): CurrentDaemonSet[] {
  return objects
    .filter((o) => o.kind === undefined || o.kind === 'DaemonSet')
    .map((object) => {
      const annotations = (object.metadata?.annotations ?? {}) as Record<string, unknown>;
      const hash = annotations[LAYOUT_ANNOTATION];
      const volumes = ((object.spec as { template?: { spec?: { volumes?: Volume[] } } } | undefined)?.template?.spec?.volumes ?? []);
      const configmap = (volumes.find((v) => v.name === 'multus-daemon-config') ?? volumes.find((v) => v.configMap?.name))?.configMap?.name;
      return {
        name: object.metadata?.name ?? '',
        ...(typeof hash === 'string' && hash !== '' ? { layoutSha256: hash } : {}),
        ...(configmap ? { configmap } : {}),
        nodes: pinnedHostnames(object) ?? [],
        object,
      };
    })
    .filter((c) => c.name !== '');
}

/**
 * The names of the groups: a layout the cluster already has a DaemonSet for keeps that
 * DaemonSet's name; else the first group takes `kube-multus-ds` unless a current one holds
 * it for another layout (one without the annotation, an older rendering, counts as free);
 * every other group is `kube-multus-ds-<suffix>`. So which host comes first never moves a
 * name from one layout to another (which would roll every node of both).
 */
export function nameGroups(groups: readonly LayoutGroup[], current: readonly CurrentDaemonSet[]): LayoutGroup[] {
  const reused = groups.map((g) => current.find((c) => c.layoutSha256 === g.layoutSha256)?.name);
  const holder = current.find((c) => c.name === MULTUS_DAEMONSET);
  // An annotated holder is either reused by its own layout's group or kept for another layout.
  let upstreamFree = holder?.layoutSha256 === undefined;
  return groups.map((g, i) => {
    let daemonset = reused[i];
    if (daemonset === undefined && upstreamFree) {
      daemonset = MULTUS_DAEMONSET;
      upstreamFree = false;
    }
    daemonset ??= `${MULTUS_DAEMONSET}-${layoutSuffix(g.layout)}`;
    return { ...g, daemonset, configmap: configmapFor(daemonset), nodes: [...g.nodes] };
  });
}

export interface KeptNodesPlan {
  /** The groups, with the kept nodes of their layout added to `nodes`. */
  groups: LayoutGroup[];
  /** Current DaemonSets of a layout this run does not render, left as they are for their kept nodes. */
  untouched: CurrentDaemonSet[];
  /** Current DaemonSets of a layout this run does not render that are also pinned to nodes of this run (which moved to the DaemonSet of their new layout): applied again, pinned to their kept nodes only. */
  repinned: Array<{ current: CurrentDaemonSet; nodes: string[] }>;
  /** Nodes outside this run that keep their Multus pod. */
  kept: string[];
  /** Nodes a current DaemonSet is pinned to that are no cluster nodes any more. */
  dropped: string[];
}

/**
 * Nodes pinned by a current DaemonSet that are not nodes of this run stay where they are,
 * as long as they are cluster nodes (`clusterNodes`; undefined: none known to be gone).
 * Nodes of this run always go to the group of their current layout.
 */
export function planKeptNodes(
  named: readonly LayoutGroup[],
  current: readonly CurrentDaemonSet[],
  runNodes: ReadonlySet<string>,
  clusterNodes: ReadonlySet<string> | undefined,
): KeptNodesPlan {
  const groups = named.map((g) => ({ ...g, nodes: [...g.nodes] }));
  const plan: KeptNodesPlan = { groups, untouched: [], repinned: [], kept: [], dropped: [] };
  for (const c of current) {
    const outside = c.nodes.filter((n) => !runNodes.has(n));
    const gone = clusterNodes ? outside.filter((n) => !clusterNodes.has(n)) : [];
    const kept = outside.filter((n) => !gone.includes(n));
    for (const n of gone) if (!plan.dropped.includes(n)) plan.dropped.push(n);
    if (kept.length === 0) continue;
    for (const n of kept) if (!plan.kept.includes(n)) plan.kept.push(n);
    // Its own name rendered again (same layout, or the older unannotated kube-multus-ds this
    // run's first layout takes over), else the group of the layout it is annotated with.
    const target = groups.find((g) => g.daemonset === c.name) ?? groups.find((g) => c.layoutSha256 !== undefined && g.layoutSha256 === c.layoutSha256);
    if (target) {
      for (const n of kept) if (!target.nodes.includes(n)) target.nodes.push(n);
    } else if (c.nodes.every((n) => !runNodes.has(n))) {
      plan.untouched.push(c);
    } else {
      plan.repinned.push({ current: c, nodes: kept });
    }
  }
  return plan;
}

/** Fields the API server sets or kubectl records, which an applied object must not carry. */
const SERVER_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration', 'deprecated.daemonset.template.generation'];

/**
 * A current DaemonSet as a manifest document, its required affinity narrowed to `nodes` and
 * the rest of its pod template as it is (its layout's paths and config stay those it was
 * rendered with; the changed affinity rolls its pods one node at a time, as any DaemonSet
 * whose nodes change).
 */
export function repinnedDocument(c: CurrentDaemonSet, nodes: readonly string[]): string {
  const { metadata = {}, spec } = c.object;
  const annotations = Object.fromEntries(Object.entries((metadata.annotations ?? {}) as Record<string, unknown>).filter(([k]) => !SERVER_ANNOTATIONS.includes(k)));
  const copy = structuredClone(spec ?? {}) as { template?: { spec?: Record<string, unknown> } };
  const podSpec = (copy.template ??= {}).spec ?? (copy.template.spec = {});
  podSpec.affinity = {
    ...(podSpec.affinity as Record<string, unknown> | undefined),
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [...nodes].sort() }] }],
      },
    },
  };
  const doc = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: c.name, namespace: metadata.namespace ?? 'kube-system', labels: metadata.labels ?? {}, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: copy,
  };
  return `---\n${stringify(doc)}`;
}
