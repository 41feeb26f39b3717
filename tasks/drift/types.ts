/**
 * What `provision drift` reports: items `{host, kind, path?, expected, found, severity}`,
 * and per node the table of every path install touches. Shared by the host and cluster
 * evaluators, the report renderers and the textfile.
 */

export type DriftSeverity = 'critical' | 'error' | 'warning';

export const DRIFT_KINDS = [
  'not_installed',
  'unreachable',
  'k3s_link_replaced',
  'k3s_link_stale',
  'multicall_missing',
  'multicall_changed',
  'multicall_unrecorded',
  'plugin_missing',
  'plugin_not_executable',
  'conf_missing',
  'conf_wrong',
  'conf_stale',
  'socket_missing',
  'not_ready',
  'health_unchecked',
  'flannel_conf_missing',
  'flannel_conf_changed',
  'daemonset_missing',
  'daemonset_not_ready',
  'image_mismatch',
] as const;

export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface DriftItem {
  host: string;
  kind: DriftKind;
  path?: string;
  expected: string;
  found: string;
  severity: DriftSeverity;
}

/** How a path install touches stands against the first backup (or, for Multus's own files, against nothing). */
export type PathMark = 'new' | 'overwritten' | 'unchanged' | 'missing';

export interface PathRow {
  path: string;
  mark: PathMark;
  /** Who the path belongs to: K3s's entries, or what Multus/provision added. */
  owner: 'k3s' | 'multus' | 'provision';
  note?: string;
}
