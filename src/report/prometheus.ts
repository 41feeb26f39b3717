/**
 * Prometheus text exposition format for node_exporter's textfile collector, so `drift`
 * run from cron can be alerted on. The collector reads `*.prom` files in a directory at
 * every scrape; a file must therefore appear whole or not at all (temp file + rename).
 */
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export type MetricType = 'gauge' | 'counter' | 'untyped';

export interface MetricSample {
  labels?: Record<string, string>;
  value: number;
}

export interface Metric {
  name: string;
  help: string;
  type: MetricType;
  samples: MetricSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text escapes backslash and newline only (the format says so). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label values escape backslash, double quote and newline. */
function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Record<string, string> | undefined, metric: string): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  const parts = entries.map(([name, value]) => {
    // A bad name is a bug in the caller; a file the collector rejects would hide every metric in it.
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new Error(`invalid Prometheus label name ${JSON.stringify(name)} on ${metric}`);
    }
    return `${name}="${escapeLabelValue(value)}"`;
  });
  return `{${parts.join(',')}}`;
}

/** The text of a textfile: per metric `# HELP`, `# TYPE`, then one line per sample. */
export function prometheusTextfile(metrics: Metric[]): string {
  const lines: string[] = [];
  for (const metric of metrics) {
    if (!METRIC_NAME.test(metric.name)) throw new Error(`invalid Prometheus metric name ${JSON.stringify(metric.name)}`);
    lines.push(`# HELP ${metric.name} ${escapeHelp(metric.help)}`);
    lines.push(`# TYPE ${metric.name} ${metric.type}`);
    for (const sample of metric.samples) {
      lines.push(`${metric.name}${formatLabels(sample.labels, metric.name)} ${formatValue(sample.value)}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * Write `text` to `path` so that a reader sees the old file or the new one, never half of
 * one: write a temp file in the same directory (rename is only atomic within a file
 * system), flush it to disk, then rename over the target. The temp name starts with a dot
 * and does not end in `.prom`, so the collector never picks it up.
 */
export async function writeTextfileAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
}
