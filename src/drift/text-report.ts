/**
 * The human report: per node, every path install touches marked new / overwritten /
 * unchanged / missing (the "files changed on the host" tree operators keep by hand), then
 * the items. Node output is data: control characters are escaped before a terminal sees them.
 */
import { basename, dirname } from 'node:path';
import type { DriftItem, PathRow } from '../../tasks/drift/types.ts';
import type { DriftOutcome, HostOutcome } from './outcome.ts';
import type { FixSummary } from './run.ts';

/** C0, DEL and C1 controls (escape sequences included) as \xNN. */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Paths grouped by directory, as a tree: `  dir/` then `    name  mark  note`. */
function table(rows: PathRow[]): string[] {
  const width = Math.max(...rows.map((r) => basename(r.path).length), 4);
  const lines: string[] = [];
  let dir: string | undefined;
  for (const r of rows) {
    if (dirname(r.path) !== dir) {
      dir = dirname(r.path);
      lines.push(`  ${terminalSafe(dir === '/' ? dir : `${dir}/`)}`);
    }
    // What an entry now is matters only when it is not what install left.
    const note = r.note && r.mark === 'overwritten' ? `  ${terminalSafe(r.note)}` : '';
    lines.push(`    ${terminalSafe(basename(r.path)).padEnd(width)}  ${r.mark}${note}`.trimEnd());
  }
  return lines;
}

function hostHeader(h: HostOutcome): string {
  const node = h.node !== h.host ? ` (node ${terminalSafe(h.node)})` : '';
  if (h.status === 'unreachable') return `${h.host}${node}: unreachable`;
  if (h.status === 'error') return `${h.host}${node}: check failed: ${terminalSafe(h.error ?? '')}`;
  const n = h.items.length;
  return `${h.host}${node}: ${n === 0 ? 'in sync' : `${n} drift item${n > 1 ? 's' : ''}`}`;
}

function itemLines(i: DriftItem): string[] {
  return [
    `  ${i.host}  ${i.kind}  ${i.severity}${i.path ? `  ${terminalSafe(i.path)}` : ''}`,
    `      expected: ${terminalSafe(i.expected)}`,
    `      found:    ${terminalSafe(i.found)}`,
  ];
}

export function renderDriftText(outcome: DriftOutcome, fix?: FixSummary): string {
  const lines: string[] = [];
  if (fix) {
    lines.push(`fix: ${fix.hosts.length === 0 ? 'nothing fixable' : `ran ${fix.steps.join(', ')} on ${fix.hosts.join(', ')}`}${fix.failures.length ? `; failed: ${fix.failures.map(terminalSafe).join('; ')}` : ''}`, '');
    lines.push(fix.hosts.length === 0 ? 'drift:' : 'after the fix:', '');
  }
  for (const h of outcome.hosts) {
    lines.push(hostHeader(h));
    if (h.paths.length > 0) lines.push(...table(h.paths));
    lines.push('');
  }
  if (outcome.cluster.error) lines.push(`cluster: not read: ${terminalSafe(outcome.cluster.error)}`, '');
  if (outcome.items.length > 0) {
    const hosts = new Set(outcome.items.map((i) => i.host)).size;
    lines.push(`${outcome.items.length} drift item${outcome.items.length > 1 ? 's' : ''} on ${hosts} of ${outcome.hosts.length} hosts${fix && fix.hosts.length > 0 ? ' remain' : ''}:`);
    for (const i of outcome.items) lines.push(...itemLines(i));
    lines.push('');
  }
  if (outcome.cluster.extra_nodes.length > 0) {
    lines.push(`cluster nodes not in the inventory (not checked): ${outcome.cluster.extra_nodes.map(terminalSafe).join(', ')}`, '');
  }
  lines.push(summaryLine(outcome));
  return `${lines.join('\n')}\n`;
}

function summaryLine(o: DriftOutcome): string {
  const errors = o.hosts.filter((h) => h.status === 'error').length;
  const unreachable = o.hosts.filter((h) => h.status === 'unreachable').length;
  const drifted = new Set(o.items.filter((i) => i.kind !== 'unreachable').map((i) => i.host)).size;
  return `drift: ${o.hosts.length} hosts, ${drifted} drifted, ${unreachable} unreachable, ${errors} not checked${o.cluster.error ? ', cluster not read' : ''} (exit ${o.exit_code})`;
}
