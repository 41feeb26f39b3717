/**
 * JSON lines (`--json`): one object per engine event, one event per line, for scripts and
 * log pipelines. The shapes are a public interface; add fields, never rename or remove.
 *
 * Every line has `type` and `time` (ISO 8601, UTC, when the line was written) first:
 *
 *   {"type":"play_start","time":T,"play":string,"hosts":string[]}
 *   {"type":"task_start","time":T,"play":string,"task":string,"hosts":string[],"handler":boolean}
 *   {"type":"host_progress","time":T,"host":string,"task":string,"message":string}
 *   {"type":"host_result","time":T,"host":string,"task":string,
 *    "status":"ok"|"changed"|"failed"|"skipped"|"unreachable",
 *    "result":{"changed":boolean,"failed":boolean,"skipped":boolean,"msg":string,
 *              "diff"?:{"before":string,"after":string},"data"?:object,"facts"?:object},
 *    "ignored":boolean,"delegatedTo"?:string}
 *   {"type":"warning","time":T,"host"?:string,"message":string}
 *   {"type":"play_end","time":T,"play":string}
 *   {"type":"run_end","time":T,"recap":{HOST:{"ok","changed","unreachable","failed","skipped","rescued","ignored"}},
 *    "check":boolean,"summary":{"hosts","ok","changed","failed","unreachable","skipped"}}
 *
 * `summary` totals the recap columns over all hosts; `hosts` is the number of hosts.
 * Every string (keys included) is masked; byte buffers are written as UTF-8 text and
 * bigints as decimal strings so that every line parses with a plain JSON.parse.
 */
import type { Recap, Reporter, RunEvent } from '../engine/events.ts';
import { createMaskedWriter } from './masked-writer.ts';
import { maskSecrets } from './mask.ts';
import { escapeJsonControls } from './terminal-safe.ts';

export interface JsonReporterOptions {
  /** Called at every write: secrets can become known during the run. */
  secrets: () => string[];
  /** Clock for the `time` field; tests pass a fixed one. */
  now?: () => Date;
}

export interface RunSummary {
  hosts: number;
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  skipped: number;
}

export function summarizeRecap(recap: Recap): RunSummary {
  const summary: RunSummary = { hosts: 0, ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0 };
  for (const counts of Object.values(recap)) {
    summary.hosts++;
    summary.ok += counts.ok;
    summary.changed += counts.changed;
    summary.failed += counts.failed;
    summary.unreachable += counts.unreachable;
    summary.skipped += counts.skipped;
  }
  return summary;
}

/**
 * A copy of `value` that JSON.stringify accepts, with every string masked. Masking the
 * values rather than the finished line keeps a secret that looks like a number from
 * cutting into counts and timestamps, and catches secrets JSON would escape.
 */
function toMaskedJson(value: unknown, mask: (s: string) => string, seen: Set<object>): unknown {
  if (typeof value === 'string') return mask(value);
  if (typeof value === 'bigint') return mask(value.toString());
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object') return undefined; // functions, symbols, undefined
  if (value instanceof Uint8Array) return mask(Buffer.from(value).toString('utf8'));
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => toMaskedJson(v, mask, seen) ?? null);
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const masked = toMaskedJson(v, mask, seen);
      if (masked !== undefined) copy[mask(k)] = masked;
    }
    return copy;
  } finally {
    seen.delete(value);
  }
}

export function createJsonReporter(out: NodeJS.WritableStream, options: JsonReporterOptions): Reporter {
  // Masking happens per value below; the writer's own pass over the finished line is
  // skipped so that it cannot cut into numbers or the time stamp.
  const writer = createMaskedWriter(out, () => [], { escapeControls: false });
  const now = options.now ?? (() => new Date());

  function event(e: RunEvent): void {
    const secrets = options.secrets();
    const mask = (s: string) => maskSecrets(s, secrets);
    const { type, ...rest } = e;
    const record: Record<string, unknown> = { type, time: now().toISOString(), ...rest };
    if (e.type === 'run_end') record.summary = summarizeRecap(e.recap);
    const { time, ...maskable } = record;
    const masked = toMaskedJson(maskable, mask, new Set()) as Record<string, unknown>;
    writer.write(`${escapeJsonControls(JSON.stringify({ type: masked.type, time, ...masked }))}\n`);
  }

  return { event, close: () => writer.flushed() };
}
