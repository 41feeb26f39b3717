/**
 * Plain Ansible-like lines for logs, CI and anything that is not a terminal:
 *
 *   PLAY [install] *****…
 *   TASK [copy shim] *****…
 *   changed: [node1]
 *   fatal: [node2]: FAILED! => msg
 *   ...ignoring
 *   PLAY RECAP *****…
 */
import type { Reporter, RunEvent } from '../engine/events.ts';
import { formatRecap } from './recap.ts';
import { createMaskedWriter } from './masked-writer.ts';
import { playBanner, progressLine, resultDiff, resultLines, taskBanner, warningLine } from './host-lines.ts';

export interface PlainReporterOptions {
  /** -v count: 1+ shows result messages for ok/changed/skipping and progress lines. */
  verbose: number;
  /** --diff: show before/after of changed files as a unified diff. */
  diff: boolean;
  /** Called at every write: secrets can become known during the run. */
  secrets: () => string[];
  /** Clock for the progress rate limit (milliseconds); tests pass a fake one. */
  now?: () => number;
}

/** Progress is chatty (a wait loop reports every poll); a log needs at most this pace. */
const PROGRESS_INTERVAL_MS = 1000;

export function createPlainReporter(out: NodeJS.WritableStream, options: PlainReporterOptions): Reporter {
  const writer = createMaskedWriter(out, options.secrets);
  const now = options.now ?? Date.now;
  const lastProgress = new Map<string, number>();
  const line = (text: string) => writer.write(`${text}\n`);

  function event(e: RunEvent): void {
    switch (e.type) {
      case 'play_start':
        line('');
        line(playBanner(e.play));
        return;
      case 'task_start':
        line('');
        line(taskBanner(e));
        return;
      case 'host_progress': {
        if (options.verbose < 1) return;
        const t = now();
        const previous = lastProgress.get(e.host);
        if (previous !== undefined && t - previous < PROGRESS_INTERVAL_MS) return;
        lastProgress.set(e.host, t);
        line(progressLine(e.host, e.message));
        return;
      }
      case 'host_result': {
        // Ansible prints the diff before the status line it belongs to.
        if (options.diff) writer.write(resultDiff(e));
        for (const l of resultLines(e, options.verbose)) line(l);
        return;
      }
      case 'warning':
        line(warningLine(e));
        return;
      case 'play_end':
        return;
      case 'run_end':
        line('');
        writer.write(formatRecap(e.recap));
        return;
    }
  }

  return {
    event,
    close: () => writer.flushed(),
  };
}
