/**
 * The Ansible wording of a run, shared by the plain and the live reporters so both say
 * the same thing: `changed: [node1 -> node2]`, `fatal: [node1]: FAILED! => msg`, …
 */
import type { RunEvent } from '../engine/events.ts';
import { banner } from './recap.ts';
import { unifiedDiff } from './unified-diff.ts';

export type TaskStartEvent = Extract<RunEvent, { type: 'task_start' }>;
export type HostResultEvent = Extract<RunEvent, { type: 'host_result' }>;
export type WarningEvent = Extract<RunEvent, { type: 'warning' }>;

/** `node1`, or `node1 -> node2` when the task was delegated. */
export function hostLabel(e: Pick<HostResultEvent, 'host' | 'delegatedTo'>): string {
  return e.delegatedTo && e.delegatedTo !== e.host ? `${e.host} -> ${e.delegatedTo}` : e.host;
}

export function playBanner(play: string): string {
  return banner(`PLAY [${play}]`);
}

export function taskBanner(e: Pick<TaskStartEvent, 'task' | 'handler'>): string {
  return banner(`${e.handler ? 'RUNNING HANDLER' : 'TASK'} [${e.task}]`);
}

/**
 * The status lines of one host result. ok/changed/skipping show the message only with -v
 * (or when the task's message is its point, as debug's), as Ansible does; failures always show it.
 */
export function resultLines(e: HostResultEvent, verbose: number): string[] {
  const label = `[${hostLabel(e)}]`;
  const msg = e.result.msg;
  const withMsg = (head: string) => ((verbose > 0 || e.result.show) && msg ? `${head} => ${msg}` : head);
  switch (e.status) {
    case 'ok':
      return [withMsg(`ok: ${label}`)];
    case 'changed':
      return [withMsg(`changed: ${label}`)];
    case 'skipped':
      return [withMsg(`skipping: ${label}`)];
    case 'unreachable':
      return [`fatal: ${label}: UNREACHABLE! => ${msg}`];
    case 'failed':
      return e.ignored ? [`fatal: ${label}: FAILED! => ${msg}`, '...ignoring'] : [`fatal: ${label}: FAILED! => ${msg}`];
  }
}

/** The unified diff of a result's before/after, or '' when there is none to show. */
export function resultDiff(e: HostResultEvent): string {
  const d = e.result.diff;
  return d ? unifiedDiff(d.before, d.after) : '';
}

export function warningLine(e: Pick<WarningEvent, 'host' | 'message'>): string {
  return e.host ? `[WARNING]: ${e.host}: ${e.message}` : `[WARNING]: ${e.message}`;
}

/** Per-host progress as a line: `progress: [node1] => ready 3/5`. */
export function progressLine(host: string, message: string): string {
  return `progress: [${host}] => ${message}`;
}
