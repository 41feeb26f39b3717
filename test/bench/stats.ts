/**
 * The pure side of `npm run bench`: samples to summaries, ratios, the printed table and
 * the results document (test/unit/bench-stats.test.ts checks them; no timing is asserted).
 */

export interface Summary {
  /** Milliseconds (or the unit the samples have). */
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

/** How many times `slower`'s median is `faster`'s: 2 means faster takes half the time. */
export function ratio(slower: Summary, faster: Summary): number {
  return slower.median / faster.median;
}

export interface Row {
  /** What was measured. */
  name: string;
  /** Time samples in ms, or a single figure in `value`. */
  ms?: Summary;
  /** Peak RSS in MB, when measured. */
  rssMb?: Summary;
  /** Anything else to show (a ratio, an exit code). */
  note?: string;
}

export const formatMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`);

export function formatSummary(s: Summary, format: (n: number) => string = formatMs): string {
  return s.n === 1 ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

export const formatRatio = (r: number): string => `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;

const mb = (n: number): string => `${n.toFixed(0)} MB`;

/** A Markdown table (what the terminal shows and the README quotes). */
export function formatTable(rows: Row[]): string {
  const cells = rows.map((r) => [
    r.name,
    r.ms ? formatSummary(r.ms) : '',
    r.rssMb ? formatSummary(r.rssMb, mb) : '',
    r.note ?? '',
  ]);
  const header = ['measured', 'median (min–max)', 'peak RSS', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export interface Target {
  name: string;
  /** The measured ratio or figure, and the bound it is compared with. */
  value: number;
  bound: number;
  /** 'max': value must not exceed bound; 'min': must reach it. */
  kind: 'max' | 'min';
}

export const targetMet = (t: Target): boolean => (t.kind === 'max' ? t.value <= t.bound : t.value >= t.bound);

export function formatTargets(targets: Target[]): string {
  return targets
    .map((t) => `${targetMet(t) ? 'met   ' : 'MISSED'} ${t.name}: ${t.value.toFixed(2)} (${t.kind === 'max' ? '≤' : '≥'} ${t.bound})`)
    .join('\n');
}

export interface BenchResults {
  /** ISO time the run ended. */
  date: string;
  command: string;
  machine: { cpus: number; loadavg: number[]; node: string; ansible: string };
  nodes: number;
  scaleNodes: number;
  reps: number;
  /** How peak RSS was measured. */
  rssMethod: string;
  rows: Row[];
  targets: Array<Target & { met: boolean }>;
}

export function resultsDocument(o: Omit<BenchResults, 'targets'> & { targets: Target[] }): BenchResults {
  return { ...o, targets: o.targets.map((t) => ({ ...t, met: targetMet(t) })) };
}
