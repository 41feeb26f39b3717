/**
 * Picks the renderer for a run: JSON lines when asked for, the live listr2 view on a
 * terminal, plain Ansible-like lines everywhere else (CI logs, pipes, cron).
 */
import type { Reporter } from '../engine/events.ts';
import { createJsonReporter } from './json.ts';
import { createListrReporter } from './listr.ts';
import { createPlainReporter } from './plain.ts';

export interface ReporterChoice {
  json: boolean;
  tty: boolean;
  verbose: number;
  diff: boolean;
  secrets: () => string[];
  /** process.stdout unless given. */
  out?: NodeJS.WritableStream;
}

export function createReporter(choice: ReporterChoice): Reporter {
  const out = choice.out ?? process.stdout;
  if (choice.json) return createJsonReporter(out, { secrets: choice.secrets });
  if (choice.tty) {
    return createListrReporter({ out, verbose: choice.verbose, diff: choice.diff, secrets: choice.secrets });
  }
  return createPlainReporter(out, { verbose: choice.verbose, diff: choice.diff, secrets: choice.secrets });
}

export { createJsonReporter, summarizeRecap } from './json.ts';
export type { JsonReporterOptions, RunSummary } from './json.ts';
export { createListrReporter } from './listr.ts';
export type { ListrReporterOptions, ListrRendererName } from './listr.ts';
export { createPlainReporter } from './plain.ts';
export type { PlainReporterOptions } from './plain.ts';
export { formatRecap } from './recap.ts';
export { maskSecrets } from './mask.ts';
