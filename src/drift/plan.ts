/**
 * Which of install's converging steps each drifted host needs (pure). Kinds no step
 * repairs (a binary written through, a missing DaemonSet, a wrong image: run install)
 * stay, and the re-check names them.
 */
import type { DriftItem, DriftKind } from '../../tasks/drift/types.ts';
import type { HostOutcome } from './outcome.ts';

export interface FixPlan {
  backup: string[];
  stale: string[];
  restart: string[];
  relink: string[];
  /** Kubernetes node names of `restart`. */
  restart_nodes: string[];
}

const RELINK: DriftKind[] = ['k3s_link_replaced', 'k3s_link_stale'];
const BACKUP: DriftKind[] = ['multicall_unrecorded', 'flannel_conf_changed'];
const STALE: DriftKind[] = ['conf_stale'];
const RESTART: DriftKind[] = ['plugin_missing', 'plugin_not_executable', 'conf_missing', 'conf_wrong', 'conf_stale', 'socket_missing', 'not_ready', 'daemonset_not_ready'];

export const FIXABLE: ReadonlySet<DriftKind> = new Set([...RELINK, ...BACKUP, ...STALE, ...RESTART]);

export function fixPlan(hosts: HostOutcome[]): FixPlan {
  const plan: FixPlan = { backup: [], stale: [], restart: [], relink: [], restart_nodes: [] };
  for (const h of hosts) {
    if (h.status !== 'checked') continue;
    const has = (kinds: DriftKind[]) => h.items.some((i: DriftItem) => kinds.includes(i.kind));
    if (has(BACKUP)) plan.backup.push(h.host);
    if (has(STALE)) plan.stale.push(h.host);
    if (has(RESTART)) {
      plan.restart.push(h.host);
      plan.restart_nodes.push(h.node);
    }
    if (has(RELINK)) plan.relink.push(h.host);
  }
  return plan;
}

export function planHosts(plan: FixPlan): string[] {
  return [...new Set([...plan.backup, ...plan.stale, ...plan.restart, ...plan.relink])];
}
