/**
 * What the engine tells reporters. The engine only emits events; listr2, plain lines and
 * JSON lines are separate, swappable renderers of the same stream.
 */
import type { TaskResult } from '../module/task.ts';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface HostRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  /** Failures a block's rescue took over (not counted in `failed`). */
  rescued: number;
  ignored: number;
}

export type Recap = Record<string, HostRecap>;

export type RunEvent =
  | { type: 'play_start'; play: string; hosts: string[] }
  | { type: 'task_start'; play: string; task: string; hosts: string[]; handler: boolean }
  | { type: 'host_progress'; host: string; task: string; message: string }
  | {
      type: 'host_result';
      host: string;
      task: string;
      status: HostStatus;
      result: TaskResult;
      /** failed but ignore_errors was set */
      ignored: boolean;
      /** set when the task ran against another host (delegate_to) */
      delegatedTo?: string;
    }
  | { type: 'warning'; host?: string; message: string }
  | { type: 'play_end'; play: string }
  | { type: 'run_end'; recap: Recap; check: boolean };

export interface Reporter {
  event(e: RunEvent): void;
  /** Flush and release the terminal. */
  close(): Promise<void>;
}
