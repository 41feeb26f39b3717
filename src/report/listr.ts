/**
 * The live terminal view, drawn by listr2: one entry per task, one line per host beneath
 * it that shows the host's latest progress ("ready 3/5") while it runs and its outcome
 * when done; the PLAY RECAP follows once the view has finished.
 *
 * listr2 wants to drive its tasks itself, while the engine pushes events. The bridge: on
 * task_start a small Listr is built whose per-host task functions wait on promises that
 * the matching host_result events settle. The views run one after another on a queue, so
 * the headings, notes and recap written between them never interleave with a redraw.
 */
import { Listr, ListrLogger } from 'listr2';
import { MaskingProcessOutput } from './masking-process-output.ts';
import type { Reporter, RunEvent } from '../engine/events.ts';
import { formatRecap } from './recap.ts';
import { createMaskedWriter } from './masked-writer.ts';
import {
  hostLabel,
  playBanner,
  resultDiff,
  resultLines,
  warningLine,
  type HostResultEvent,
  type TaskStartEvent,
} from './host-lines.ts';

/** 'default' redraws in place (terminals only); the others print lines and suit pipes and tests. */
export type ListrRendererName = 'default' | 'simple' | 'verbose' | 'test';

export interface ListrReporterOptions {
  /** Where to draw; process.stdout unless given. */
  out?: NodeJS.WritableStream;
  /** -v count: 1+ appends result messages to ok/changed lines. */
  verbose: number;
  /** --diff: print before/after diffs below each task's block. */
  diff: boolean;
  /** Called whenever text is handed to the terminal: secrets can become known during the run. */
  secrets: () => string[];
  /** Forces a renderer; by default 'default' on a TTY and 'simple' elsewhere. */
  renderer?: ListrRendererName;
}

/** The part of listr2's task wrapper a host line uses. */
interface HostLineHandle {
  title: string;
  output: string;
  skip(message?: string): void;
}

interface HostSlot {
  host: string;
  settled: boolean;
  result: Promise<HostResultEvent | undefined>;
  settle(e: HostResultEvent | undefined): void;
  progress?: string;
  handle?: HostLineHandle;
}

interface TaskBlock {
  start: TaskStartEvent;
  slots: Map<string, HostSlot>;
  /** Lines (warnings, diffs) printed under the block once its view has finished. */
  notes: string[];
  /** The view has finished; later lines go straight to the queue. */
  drawn: boolean;
}

function newSlot(host: string): HostSlot {
  let resolve!: (e: HostResultEvent | undefined) => void;
  const result = new Promise<HostResultEvent | undefined>((r) => (resolve = r));
  const slot: HostSlot = {
    host,
    settled: false,
    result,
    settle(e) {
      if (slot.settled) return;
      slot.settled = true;
      resolve(e);
    },
  };
  return slot;
}

export function createListrReporter(options: ListrReporterOptions): Reporter {
  const out = options.out ?? process.stdout;
  const writer = createMaskedWriter(out, options.secrets);
  // Content (titles, outputs, errors) is cleaned; the stream below only masks, as it also
  // carries listr2's own cursor codes.
  const clean = writer.clean;
  const renderer: ListrRendererName =
    options.renderer ?? ((out as NodeJS.WriteStream).isTTY ? 'default' : 'simple');
  let queue: Promise<void> = Promise.resolve();
  let block: TaskBlock | undefined;

  const enqueue = (step: () => void | Promise<void>) => {
    queue = queue.then(step).catch((err: unknown) => {
      // A drawing problem must never end the run; say so and carry on in plain text.
      writer.write(`[WARNING]: live view failed: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  };
  const line = (text: string) => enqueue(() => writer.write(`${text}\n`));
  const note = (text: string) => {
    if (block && !block.drawn) block.notes.push(text);
    else line(text);
  };

  /** Hosts that never got a result (the engine moved on) are shown as skipped. */
  function closeBlock(): void {
    if (!block) return;
    for (const slot of block.slots.values()) slot.settle(undefined);
    block = undefined;
  }

  async function hostLine(slot: HostSlot, handle: HostLineHandle): Promise<void> {
    slot.handle = handle;
    if (slot.progress) handle.output = clean(slot.progress);
    const e = await slot.result;
    slot.handle = undefined;
    if (!e) {
      handle.skip(clean(`${slot.host}: no result`));
      return;
    }
    const label = hostLabel(e);
    const msg = e.result.msg;
    const verboseMsg = (options.verbose > 0 || e.result.show) && msg ? ` => ${msg}` : '';
    switch (e.status) {
      case 'ok':
      case 'changed':
        handle.title = clean(`${label}: ${e.status}${verboseMsg}`);
        return;
      case 'skipped':
        handle.skip(clean(`${label}: skipping${verboseMsg}`));
        return;
      case 'failed':
      case 'unreachable': {
        const text = clean(`${label}: ${e.status === 'failed' ? 'FAILED!' : 'UNREACHABLE!'} => ${msg}`);
        if (e.ignored) {
          handle.title = `${text} ...ignoring`;
          return;
        }
        // Renderers show the error in place of (or after) the title, so the title stays the host.
        // exitOnError is off: listr2 marks this line failed and lets the others finish.
        throw new Error(text);
      }
    }
  }

  function logger(): ListrLogger {
    // Built when the view starts, not earlier: the previous view must have let go of the
    // stream, because ProcessOutput remembers the stream's write method when created.
    return new ListrLogger({
      useIcons: renderer !== 'test',
      toStderr: [],
      processOutput: new MaskingProcessOutput(out as NodeJS.WriteStream, writer.mask),
    });
  }

  async function draw(b: TaskBlock): Promise<void> {
    const subtasks = [...b.slots.values()].map((slot) => ({
      title: clean(slot.host),
      task: (_ctx: unknown, handle: HostLineHandle) => hostLine(slot, handle),
    }));
    const title = clean(b.start.handler ? `handler: ${b.start.task}` : b.start.task);
    const log = logger();
    const listr = new Listr(
      [
        {
          title,
          task: (_ctx, task) =>
            task.newListr(subtasks, { concurrent: true, exitOnError: false }),
        },
      ],
      {
        renderer,
        rendererOptions: { logger: log, collapseSubtasks: false },
        fallbackRenderer: 'simple',
        fallbackRendererOptions: { logger: log },
        exitOnError: false,
        // Only bin/ may exit the process; listr2 would exit(127) on SIGINT.
        registerSignalListeners: false,
      },
    );
    try {
      await listr.run();
    } finally {
      b.drawn = true;
      for (const text of b.notes) writer.write(`${text}\n`);
    }
  }

  function event(e: RunEvent): void {
    switch (e.type) {
      case 'play_start':
        closeBlock();
        line('');
        line(playBanner(e.play));
        return;
      case 'task_start': {
        closeBlock();
        const b: TaskBlock = { start: e, slots: new Map(), notes: [], drawn: false };
        for (const host of e.hosts) b.slots.set(host, newSlot(host));
        block = b;
        enqueue(() => draw(b));
        return;
      }
      case 'host_progress': {
        const slot = block?.slots.get(e.host);
        if (!slot || slot.settled || slot.progress === e.message) return;
        slot.progress = e.message;
        if (slot.handle) slot.handle.output = clean(e.message);
        return;
      }
      case 'host_result': {
        if (options.diff) {
          const diff = resultDiff(e);
          if (diff) note(diff.trimEnd());
        }
        const slot = block?.slots.get(e.host);
        if (slot && !slot.settled) slot.settle(e);
        // A result for a host the task did not announce has no line in the view.
        else for (const text of resultLines(e, options.verbose)) note(text);
        return;
      }
      case 'warning':
        note(warningLine(e));
        return;
      case 'play_end':
        closeBlock();
        return;
      case 'run_end':
        closeBlock();
        line('');
        enqueue(() => writer.write(formatRecap(e.recap)));
        return;
    }
  }

  return {
    event,
    async close() {
      closeBlock();
      await queue;
      await writer.flushed();
    },
  };
}
