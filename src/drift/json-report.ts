/**
 * `provision drift --json`: one JSON document — per host its items, path table and time,
 * the cluster side, a summary and the exit code (and with --fix, what was run and what the
 * first check found). A public interface: add fields, never rename or remove.
 */
import { resolve } from 'node:path';
import type { DriftOutcome } from './outcome.ts';
import type { DriftRun } from './run.ts';

export function driftSummary(o: DriftOutcome) {
  const byKind: Record<string, number> = {};
  for (const i of o.items) byKind[i.kind] = (byKind[i.kind] ?? 0) + 1;
  return {
    hosts: o.hosts.length,
    in_sync: o.hosts.filter((h) => h.status === 'checked' && h.items.length === 0).length,
    drifted: new Set(o.items.filter((i) => i.kind !== 'unreachable').map((i) => i.host)).size,
    unreachable: o.hosts.filter((h) => h.status === 'unreachable').length,
    not_checked: o.hosts.filter((h) => h.status === 'error').length,
    items: o.items.length,
    by_kind: byKind,
  };
}

export function driftJson(run: DriftRun, inventoryFile: string): string {
  const { outcome, fix } = run;
  const doc = {
    inventory: resolve(inventoryFile),
    started_at: new Date(run.startedAt).toISOString(),
    duration_ms: run.durationMs,
    exit_code: outcome.exit_code,
    in_sync: outcome.exit_code === 0,
    summary: driftSummary(outcome),
    hosts: outcome.hosts,
    cluster: outcome.cluster,
    items: outcome.items,
    ...(fix
      ? { fix: { hosts: fix.hosts, steps: fix.steps, plan: fix.plan, exit_code: fix.exit_code, failures: fix.failures, found: fix.before.items } }
      : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
