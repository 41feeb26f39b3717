/**
 * A drift run's result, gathered from the engine's events of playbooks/drift.yaml (pure):
 * per host its status, items, path table and time; the cluster's items; the exit code.
 */
import type { RunEvent } from '../engine/events.ts';
import { ExitCode, type ExitCodeValue } from '../errors.ts';
import { evaluateClusterDrift, type ClusterView } from '../../tasks/drift/cluster-items.ts';
import type { DriftItem, PathRow } from '../../tasks/drift/types.ts';

/** Task names in playbooks/drift.yaml. */
export const NODE_TASK = 'Read the node';
export const CLUSTER_TASK = 'Read the cluster';

export interface HostOutcome {
  host: string;
  /** Kubernetes node name (the host's hostname unless k8s_node_name says otherwise). */
  node: string;
  status: 'checked' | 'error' | 'unreachable';
  error?: string;
  items: DriftItem[];
  paths: PathRow[];
  /** From the start of the node read to its result. */
  duration_ms: number;
}

export interface DriftOutcome {
  hosts: HostOutcome[];
  cluster: { checked: boolean; error?: string; extra_nodes: string[] };
  items: DriftItem[];
  exit_code: ExitCodeValue;
}

interface DriftData {
  node?: string;
  checked?: boolean;
  error?: string;
  items?: DriftItem[];
  paths?: PathRow[];
}

export function collectOutcome(events: Array<{ at: number; event: RunEvent }>): DriftOutcome {
  const hosts = new Map<string, HostOutcome>();
  let started = 0;
  let cluster: { view?: ClusterView; image?: string; error?: string } = {};
  for (const { at, event: e } of events) {
    if (e.type === 'play_start') for (const h of e.hosts) hosts.set(h, { host: h, node: h, status: 'error', error: 'not checked', items: [], paths: [], duration_ms: 0 });
    if (e.type === 'task_start' && e.task === NODE_TASK) started = at;
    if (e.type !== 'host_result') continue;
    if (e.task === NODE_TASK) {
      const data = (e.result.data?.drift ?? {}) as DriftData;
      const outcome: HostOutcome = {
        host: e.host,
        node: data.node ?? e.host,
        status: e.status === 'unreachable' ? 'unreachable' : e.status === 'ok' && data.checked ? 'checked' : 'error',
        items: data.items ?? [],
        paths: data.paths ?? [],
        duration_ms: Math.max(0, at - started),
      };
      if (outcome.status === 'unreachable') {
        outcome.items = [{ host: e.host, kind: 'unreachable', expected: 'the host answers over ssh', found: e.result.msg, severity: 'error' }];
      } else if (outcome.status === 'error') outcome.error = data.error ?? e.result.msg;
      hosts.set(e.host, outcome);
    } else if (e.task === CLUSTER_TASK) {
      if (e.status === 'ok') cluster = { view: e.result.data as unknown as ClusterView, image: String(e.result.data?.image ?? '') };
      else cluster = { error: `${e.delegatedTo ?? e.host}: ${e.result.msg}` };
    }
  }
  const all = [...hosts.values()];
  // The cluster is judged for the nodes that are installed and were read.
  const judged = all.filter((h) => h.status === 'checked' && !h.items.some((i) => i.kind === 'not_installed'));
  let extraNodes: string[] = [];
  if (cluster.view) {
    const c = evaluateClusterDrift(cluster.view, all.map((h) => ({ host: h.host, node: h.node, judge: judged.includes(h) })), cluster.image ?? '');
    extraNodes = c.extraNodes;
    for (const item of c.items) hosts.get(item.host)?.items.push(item);
  }
  const clusterError = cluster.view ? undefined : (cluster.error ?? (judged.length > 0 ? 'the cluster was not read' : undefined));
  const items = all.flatMap((h) => h.items);
  return {
    hosts: all,
    cluster: { checked: cluster.view !== undefined, ...(clusterError ? { error: clusterError } : {}), extra_nodes: extraNodes },
    items,
    exit_code: driftExitCode(all, clusterError !== undefined, items),
  };
}

/** terraform's -detailed-exitcode: 1 a check could not run, 2 drift, 3 unreachable only, 0 in sync. */
export function driftExitCode(hosts: HostOutcome[], clusterFailed: boolean, items: DriftItem[]): ExitCodeValue {
  if (clusterFailed || hosts.some((h) => h.status === 'error')) return ExitCode.taskFailed;
  if (items.some((i) => i.kind !== 'unreachable')) return ExitCode.changesPending;
  if (items.length > 0) return ExitCode.unreachable;
  return ExitCode.ok;
}
