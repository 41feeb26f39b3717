/** A validated playbook, as the engine runs it. Built by src/playbook/load.ts. */
import type { Diagnostic, SourcePosition } from '../errors.ts';

/** Expressions in `when`, `until`, `failed_when`, `changed_when`: a list means "all true". */
export type Condition = string | boolean | Array<string | boolean>;

export interface LoopControl {
  loopVar: string;
  indexVar?: string;
  label?: string;
}

export interface TaskSpec {
  /** Task name, or `<module> <first arg>` when the playbook gives none. */
  name: string;
  /** Task module name (a key of the task registry). */
  module: string;
  /** Raw arguments, templated per host at run time (free-form strings already mapped). */
  args: Record<string, unknown>;
  when?: Condition;
  register?: string;
  /** A boolean, or a template evaluated per host. */
  become?: boolean | string;
  becomeUser?: string;
  runOnce: boolean;
  delegateTo?: string;
  tags: string[];
  /** A list, or a template that gives one: the task runs once per item. */
  loop?: unknown;
  loopControl?: LoopControl;
  retries?: number;
  until?: Condition;
  /** Seconds between retries. */
  delay?: number;
  failedWhen?: Condition;
  changedWhen?: Condition;
  ignoreErrors: boolean;
  notify: string[];
  /** Handler only: extra topics it listens to. */
  listen: string[];
  /** Task-level vars. */
  vars: Record<string, unknown>;
  /** Hide arguments, output and registered values from logs and reports (`no_log`). */
  noLog?: boolean;
  /** A failure of this task ends the play for every host (`any_errors_fatal`, on the task or its block). */
  anyErrorsFatal?: boolean;
  position: SourcePosition;
}

/**
 * `block` / `rescue` / `always`. Its keywords are already merged into its tasks at load time
 * (src/playbook/load-block.ts); the engine reads only the three lists.
 */
export interface BlockSpec {
  kind: 'block';
  name?: string;
  block: PlayItem[];
  rescue: PlayItem[];
  always: PlayItem[];
  position: SourcePosition;
}

export type PlayItem = TaskSpec | BlockSpec;

export const isBlock = (item: PlayItem): item is BlockSpec => 'kind' in item && item.kind === 'block';

/** Every task of a list, blocks opened, in the order they are written. */
export function leafTasks(items: PlayItem[]): TaskSpec[] {
  return items.flatMap((item) => (isBlock(item) ? [...leafTasks(item.block), ...leafTasks(item.rescue), ...leafTasks(item.always)] : [item]));
}

export interface Play {
  name: string;
  /** Host pattern. */
  hosts: string;
  vars: Record<string, unknown>;
  tasks: PlayItem[];
  handlers: TaskSpec[];
  /** Batch sizes: numbers or percentages ("30%"); a list means successive batch sizes. */
  serial?: Array<number | string>;
  maxFailPercentage?: number;
  anyErrorsFatal: boolean;
  become?: boolean;
  becomeUser?: string;
  position: SourcePosition;
}

export interface Playbook {
  file: string;
  plays: Play[];
  /** What Ansible only warns about (a duplicate key), positioned. */
  warnings?: Diagnostic[];
}
