/**
 * The task contract. A task module reads facts from the host (a command plus a pure
 * parser), decides what differs from the desired state, returns early in check mode,
 * and only then changes the host. Every module returns the same TaskResult shape.
 */
import type { ExecResult } from '../connection/types.ts';

export interface TaskDiff {
  before: string;
  after: string;
}

export interface TaskResult {
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  msg: string;
  diff?: TaskDiff;
  /** Extra values a module returns (rc, stdout, stat, content, …); merged into `register`. */
  data?: Record<string, unknown>;
  /** The message is what the task is for (debug, a smoke test): shown without -v. */
  show?: boolean;
  /** Variables a module sets for this host (set_fact). */
  facts?: Record<string, unknown>;
}

/** A fact: one read-only command and a pure parser of its output (tested from recorded output). */
export interface Fact<T> {
  command: string;
  parse(result: ExecResult): T;
  /** Limits for its command (a larger output cap for a file read). */
  options?: RunOptions;
}

export interface RunOptions {
  stdin?: string | Buffer;
  /** Default: `provision_command_timeout` seconds, else 10 minutes; raise it for long waits. */
  timeoutMs?: number;
  /** Default 64 MiB per stream; past it the command is aborted and the task fails. */
  maxOutputBytes?: number;
}

/** What a task sees of the host it runs on. Become is already applied by the engine. */
export interface HostContext {
  /** inventory_hostname */
  readonly host: string;
  readonly check: boolean;
  readonly diff: boolean;
  /** All variables visible to this host (read-only view). */
  readonly vars: Readonly<Record<string, unknown>>;
  /** Directory of the playbook file: relative `src` paths resolve against it. */
  readonly playbookDir: string;
  /** Aborted when the run is interrupted; long waits must honour it. */
  readonly signal: AbortSignal;
  /** A command that only reads. Allowed in check mode. */
  read(command: string, options?: RunOptions): Promise<ExecResult>;
  /** A command that changes the host. Throws in check mode: modules must return before. */
  change(command: string, options?: RunOptions): Promise<ExecResult>;
  /** Run a fact's command and parse it. */
  fact<T>(fact: Fact<T>): Promise<T>;
  /** Live progress for the reporter ("ready 3/5"). */
  progress(message: string): void;
  /** A warning shown in the output and recap. */
  warn(message: string): void;
}

/** A JSON Schema object as ajv takes it; `description` on every property (docs are generated from it). */
export type JsonSchema = Record<string, unknown>;

export interface TaskModule<A = any> {
  name: string;
  /** One paragraph for docs/tasks.md. */
  description: string;
  /** JSON Schema of the arguments (type: object). */
  schema: JsonSchema;
  /** When a task gives a plain string (`shell: echo hi`), it becomes this argument. */
  freeForm?: string;
  /** YAML snippets for docs/tasks.md; each must validate against the schema. */
  examples: string[];
  /**
   * Arguments the engine passes through untemplated because they are expressions the
   * module evaluates itself against ctx.vars (assert's `that`, debug's `var`).
   */
  rawArgs?: string[];
  /** Read-only modules never report changed. */
  readOnly?: boolean;
  /** Runs on the control machine only and never touches the host (debug, set_fact, assert, fail). */
  controlOnly?: boolean;
  run(args: A, ctx: HostContext): Promise<TaskResult>;
}

export const ok = (msg: string, data?: Record<string, unknown>): TaskResult => ({
  changed: false,
  failed: false,
  skipped: false,
  msg,
  ...(data ? { data } : {}),
});

export const changed = (msg: string, diff?: TaskDiff, data?: Record<string, unknown>): TaskResult => ({
  changed: true,
  failed: false,
  skipped: false,
  msg,
  ...(diff ? { diff } : {}),
  ...(data ? { data } : {}),
});

export const failed = (msg: string, data?: Record<string, unknown>): TaskResult => ({
  changed: false,
  failed: true,
  skipped: false,
  msg,
  ...(data ? { data } : {}),
});

export const skipped = (msg: string): TaskResult => ({ changed: false, failed: false, skipped: true, msg });

/** Thrown by HostContext.change in check mode; a module that meets it has a bug. */
export class CheckModeViolation extends Error {
  constructor(host: string, command: string) {
    super(`${host}: a changing command ran in check mode: ${command}`);
  }
}
