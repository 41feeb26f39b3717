/**
 * One Multus DaemonSet per K3s node layout (pure). The DaemonSet's host paths and its
 * daemon-config.json (binDir, cniVersion) follow the node's data dir, bin-dir layout and
 * Flannel conflist, so nodes that differ there cannot share one pod template: each group
 * of nodes alike gets its own DaemonSet and ConfigMap, pinned to its nodes.
 */
import { createHash } from 'node:crypto';
import { parse } from 'yaml';

export const MULTUS_DAEMONSET = 'kube-multus-ds';
export const MULTUS_CONFIGMAP = 'multus-daemon-config';

/** What a node's own K3s decides in the manifest (install sets these per host from k3s_facts). */
export type NodeLayout = Partial<Record<'k3s_data_dir' | 'k3s_cni_layout' | 'k3s_bundle_dir' | 'multus_cni_version', string>>;

export interface LayoutGroup {
  /** `kube-multus-ds` for the first group, `kube-multus-ds-<suffix>` for the others. */
  daemonset: string;
  configmap: string;
  layout: NodeLayout;
  hosts: string[];
  /** Kubernetes node names of those hosts (their `k8s_node_name` facts). */
  nodes: string[];
}

interface K3sFact {
  data_dir?: unknown;
  layout?: unknown;
  bundle_dir?: unknown;
  flannel_cni_version?: unknown;
}

/** A host's layout from its `k3s` fact (and `multus_cni_version`, which install sets from it); undefined without the fact. */
export function layoutOf(hostvars: Readonly<Record<string, unknown>> | undefined): NodeLayout | undefined {
  const k3s = hostvars?.k3s as K3sFact | undefined;
  if (!k3s || typeof k3s !== 'object' || typeof k3s.data_dir !== 'string' || typeof k3s.layout !== 'string') return undefined;
  const layout: NodeLayout = { k3s_data_dir: k3s.data_dir, k3s_cni_layout: k3s.layout };
  if (typeof k3s.bundle_dir === 'string') layout.k3s_bundle_dir = k3s.bundle_dir;
  const cniVersion = hostvars?.multus_cni_version ?? k3s.flannel_cni_version;
  if (typeof cniVersion === 'string') layout.multus_cni_version = cniVersion;
  return layout;
}

const keyOf = (layout: NodeLayout): string => JSON.stringify(Object.entries(layout).sort(([a], [b]) => a.localeCompare(b)));

/**
 * The suffix of a layout's DaemonSet: the first 10 hex digits of the sha256 of the layout,
 * so the same layout keeps its name from run to run and a changed one gets a new object.
 */
export function layoutSuffix(layout: NodeLayout): string {
  return createHash('sha256').update(keyOf(layout)).digest('hex').slice(0, 10);
}

/**
 * Hosts grouped by layout, in the order their first host appears; hosts without a `k3s`
 * fact (failed preflight) are left out. The first group keeps upstream's names, so a
 * uniform fleet gets exactly the objects it always had.
 */
export function groupByLayout(hosts: readonly string[], hostvars: Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>): LayoutGroup[] {
  const groups = new Map<string, LayoutGroup>();
  for (const host of hosts) {
    const vars = Object.hasOwn(hostvars, host) ? hostvars[host] : undefined;
    const layout = layoutOf(vars);
    if (!layout) continue;
    const key = keyOf(layout);
    let group = groups.get(key);
    if (!group) {
      const suffix = groups.size === 0 ? '' : `-${layoutSuffix(layout)}`;
      group = { daemonset: `${MULTUS_DAEMONSET}${suffix}`, configmap: `${MULTUS_CONFIGMAP}${suffix}`, layout, hosts: [], nodes: [] };
      groups.set(key, group);
    }
    group.hosts.push(host);
    const node = vars?.k8s_node_name;
    if (typeof node === 'string' && node !== '' && !group.nodes.includes(node)) group.nodes.push(node);
  }
  return [...groups.values()];
}

/** The kinds each layout has its own of; the rest (CRD, RBAC, ServiceAccount) is cluster-wide and rendered once. */
const PER_LAYOUT_KINDS = new Set(['ConfigMap', 'DaemonSet']);

/**
 * One manifest from the renderings of every group: the first in full, then only the
 * ConfigMap and DaemonSet of each other one.
 */
export function joinRenderings(renderings: readonly string[]): string {
  const [first, ...rest] = renderings;
  if (first === undefined) return '';
  const parts = [first.replace(/\n*$/, '\n')];
  for (const yaml of rest) {
    for (const doc of yaml.split(/^---[ \t]*$/m)) {
      const kind = (parse(doc) as { kind?: unknown } | null)?.kind;
      if (typeof kind === 'string' && PER_LAYOUT_KINDS.has(kind)) parts.push(`---${doc.replace(/\n*$/, '\n')}`);
    }
  }
  return parts.join('');
}
