/**
 * The node_exporter textfile of a drift run (`--textfile DIR` → DIR/provision_multus.prom),
 * in Prometheus naming: per host and kind the number of items, per host whether it was
 * reached and is in sync, and the run's timestamp, duration, success and exit code. The
 * time of the last successful run is carried over from the previous file when this run
 * could not check, so an alert can see how old the last good check is.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prometheusTextfile, writeTextfileAtomic, type Metric } from '../report/prometheus.ts';
import type { DriftOutcome } from './outcome.ts';

export const TEXTFILE_NAME = 'provision_multus.prom';
const LAST_SUCCESS = 'provision_multus_last_success_timestamp_seconds';

export interface RunTiming {
  /** Unix time the run started, in seconds. */
  startedAt: number;
  durationSeconds: number;
  inventory: string;
}

/** A run succeeded when every host and the cluster could be checked (exit 0, 2 or 3). */
export function runSucceeded(outcome: DriftOutcome): boolean {
  return outcome.exit_code !== 1;
}

export function driftMetrics(outcome: DriftOutcome, timing: RunTiming, previousSuccess: number | undefined): Metric[] {
  const counts = new Map<string, { host: string; kind: string; severity: string; n: number }>();
  for (const i of outcome.items) {
    const key = `${i.host}\u0000${i.kind}`;
    const c = counts.get(key) ?? { host: i.host, kind: i.kind, severity: i.severity, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  const success = runSucceeded(outcome);
  const lastSuccess = success ? timing.startedAt : previousSuccess;
  const gauge = (name: string, help: string, samples: Metric['samples']): Metric => ({ name, help, type: 'gauge', samples });
  return [
    gauge('provision_multus_drift_items', 'Drift items found on the host by the last provision drift run, per kind.', [...counts.values()].map((c) => ({ labels: { host: c.host, kind: c.kind, severity: c.severity }, value: c.n }))),
    gauge('provision_multus_host_in_sync', '1 when the host was checked and has no drift item.', outcome.hosts.map((h) => ({ labels: { host: h.host }, value: h.status === 'checked' && h.items.length === 0 ? 1 : 0 }))),
    gauge('provision_multus_host_reachable', '1 when the host answered over ssh in the last run.', outcome.hosts.map((h) => ({ labels: { host: h.host }, value: h.status === 'unreachable' ? 0 : 1 }))),
    gauge('provision_multus_host_check_duration_seconds', 'Time the last run took to read the host.', outcome.hosts.map((h) => ({ labels: { host: h.host }, value: h.duration_ms / 1000 }))),
    gauge('provision_multus_cluster_nodes_not_in_inventory', 'Cluster nodes that no inventory host is (not checked).', [{ value: outcome.cluster.extra_nodes.length }]),
    gauge('provision_multus_last_run_timestamp_seconds', 'Unix time the last provision drift run started.', [{ value: timing.startedAt }]),
    gauge('provision_multus_last_run_duration_seconds', 'How long the last provision drift run took.', [{ value: timing.durationSeconds }]),
    gauge('provision_multus_last_run_success', '1 when the last run could check every host and the cluster.', [{ value: success ? 1 : 0 }]),
    gauge('provision_multus_last_run_exit_code', 'Exit code of the last run (0 in sync, 1 error, 2 drift, 3 unreachable only).', [{ value: outcome.exit_code }]),
    ...(lastSuccess !== undefined ? [gauge(LAST_SUCCESS, 'Unix time of the start of the last run that could check everything.', [{ value: lastSuccess }])] : []),
  ];
}

/** The last-success time recorded in an earlier textfile, if any. */
export function previousSuccess(text: string): number | undefined {
  const m = new RegExp(`^${LAST_SUCCESS} (\\S+)$`, 'm').exec(text);
  const v = m ? Number(m[1]) : NaN;
  return Number.isFinite(v) ? v : undefined;
}

export async function writeDriftTextfile(dir: string, outcome: DriftOutcome, timing: RunTiming): Promise<string> {
  const path = join(dir, TEXTFILE_NAME);
  const before = await readFile(path, 'utf8').catch(() => '');
  await writeTextfileAtomic(path, prometheusTextfile(driftMetrics(outcome, timing, previousSuccess(before))));
  return path;
}
