/**
 * One task on one host: `when`, argument templating, the module itself with
 * retries/until, then changed_when / failed_when / ignore_errors. Everything that goes
 * wrong becomes a TaskResult — nothing thrown escapes to the play.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { BecomeSpec, Connection } from '../connection/types.ts';
import { UnreachableError } from '../errors.ts';
import { evaluateCondition, renderValue, UndefinedVariableError } from '../template/index.ts';
import type { TaskSpec } from '../playbook/types.ts';
import { validatorFor } from '../source/schema-check.ts';
import type { HostStatus } from './events.ts';
import { createHostContext, type CommandObserver } from './host-context.ts';
import { runLoop } from './loop.ts';
import type { Vars } from './scope.ts';
import { failed, skipped, type TaskModule, type TaskResult } from '../module/task.ts';

export interface TaskRunInput {
  task: TaskSpec;
  module: TaskModule;
  host: string;
  scope: Vars;
  /** The connection the task acts on (the delegate's, with delegate_to). */
  connection: () => Promise<Connection>;
  become?: BecomeSpec;
  check: boolean;
  diff: boolean;
  playbookDir: string;
  signal: AbortSignal;
  onProgress(message: string): void;
  onWarning(message: string): void;
  observer?: CommandObserver;
}

export interface TaskOutcome {
  status: HostStatus;
  result: TaskResult;
  ignored: boolean;
  /** The value stored under `register`. */
  registered: Record<string, unknown>;
}


export async function runTask(input: TaskRunInput): Promise<TaskOutcome> {
  return input.task.loop === undefined ? runTaskOnce(input) : runLoop(input, runTaskOnce);
}

async function runTaskOnce(input: TaskRunInput): Promise<TaskOutcome> {
  const { task, module } = input;
  try {
    if (task.when !== undefined && !evaluateCondition(task.when, input.scope)) {
      return finish(input, skipped('conditional result was false'));
    }
    const args = renderArgs(task.args, module, input.scope);
    const argError = validateArgs(module, args);
    if (argError) return finish(input, failed(argError));
    let connection: Connection | undefined;
    if (!module.controlOnly) {
      try {
        connection = await input.connection();
      } catch (err) {
        if (err instanceof UnreachableError) return unreachable(err.message);
        throw err;
      }
    }
    return outcome(input, await attempt(input, args, connection));
  } catch (err) {
    // A connection lost while the task ran: the host is unreachable, as when it never answered.
    if (err instanceof UnreachableError) return unreachable(err.message);
    return finish(input, failed(describeError(err)));
  }
}

function renderArgs(args: Record<string, unknown>, module: TaskModule, scope: Vars): Record<string, unknown> {
  const raw = new Set(module.rawArgs ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) out[key] = raw.has(key) ? value : renderValue(value, scope);
  return out;
}

function validateArgs(module: TaskModule, args: Record<string, unknown>): string | undefined {
  const validate = validatorFor(module.schema);
  if (validate(args)) return undefined;
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || 'arguments'} ${e.message ?? e.keyword}`);
  return `${module.name}: invalid arguments after templating: ${problems.join('; ')}`;
}

/**
 * Run the module, repeating while `until` is false, as lib/ansible/executor/task_executor.py
 * (ansible-core 2.14) does: every attempt's result passes changed_when / failed_when first,
 * then `until` alone decides (it sees `attempts`); `retries` counts the repeats after the
 * first attempt (default 3) and means nothing without `until`; the last failing attempt
 * is marked failed with `attempts` = retries.
 */
async function attempt(input: TaskRunInput, args: Record<string, unknown>, connection?: Connection): Promise<TaskResult> {
  const { task } = input;
  if (task.until === undefined) return applyConditions(input, await runModuleOnce(input, args, connection));
  const retries = task.retries ?? 3;
  const delayMs = (task.delay ?? 5) * 1000;
  let result: TaskResult = failed('not run');
  for (let n = 1; n <= retries + 1; n++) {
    result = applyConditions(input, withAttempts(await runModuleOnce(input, args, connection), n));
    if (evaluateCondition(task.until, withRegistered(input, result))) return result;
    if (n <= retries) {
      input.onProgress(`retrying (${n}/${retries})`);
      // An interrupt ends the wait; the next attempt then meets the aborted signal.
      await delay(delayMs, undefined, { signal: input.signal }).catch(() => undefined);
    }
  }
  if (retries === 0) return result;
  return withAttempts({ ...result, failed: true, msg: `still failing after ${retries + 1} attempts: ${result.msg}` }, retries);
}

async function runModuleOnce(input: TaskRunInput, args: Record<string, unknown>, connection?: Connection): Promise<TaskResult> {
  const ctx = createHostContext({
    host: input.host,
    connection: connection ?? controlOnlyConnection(input.host),
    ...(input.become ? { become: input.become } : {}),
    check: input.check,
    diff: input.diff,
    vars: input.scope,
    playbookDir: input.playbookDir,
    signal: input.signal,
    onProgress: input.onProgress,
    onWarning: input.onWarning,
    ...(input.observer ? { observer: input.observer } : {}),
  });
  try {
    const result = await input.module.run(args, ctx);
    return input.module.readOnly ? { ...result, changed: false } : result;
  } catch (err) {
    if (err instanceof UnreachableError) throw err;
    return failed(describeError(err));
  }
}

/** changed_when, then failed_when, on one attempt's result; an error in either fails the task. */
function applyConditions(input: TaskRunInput, raw: TaskResult): TaskResult {
  const { task } = input;
  let result = raw;
  try {
    if (!result.skipped && task.changedWhen !== undefined) {
      result = { ...result, changed: evaluateCondition(task.changedWhen, withRegistered(input, result)) };
    }
    if (!result.skipped && task.failedWhen !== undefined) {
      const fails = evaluateCondition(task.failedWhen, withRegistered(input, result));
      result = { ...result, failed: fails, msg: fails && !result.failed ? `failed_when held: ${result.msg}` : result.msg };
    }
  } catch (err) {
    result = failed(describeError(err));
  }
  return result;
}

/** The outcome of a result whose conditions were applied (or a task that never ran the module). */
function outcome(input: TaskRunInput, result: TaskResult): TaskOutcome {
  const status: HostStatus = result.failed ? 'failed' : result.skipped ? 'skipped' : result.changed ? 'changed' : 'ok';
  return { status, result, ignored: result.failed && input.task.ignoreErrors, registered: registeredValue(result) };
}

function finish(input: TaskRunInput, raw: TaskResult): TaskOutcome {
  return outcome(input, applyConditions(input, raw));
}

function unreachable(message: string): TaskOutcome {
  const result = failed(message);
  return { status: 'unreachable', result, ignored: false, registered: { ...registeredValue(result), unreachable: true } };
}

export function registeredValue(result: TaskResult): Record<string, unknown> {
  return {
    ...(result.data ?? {}),
    changed: result.changed,
    failed: result.failed,
    skipped: result.skipped,
    msg: result.msg,
    ...(result.diff ? { diff: result.diff } : {}),
  };
}

/** failed_when, changed_when and until see the result under the `register` name. */
function withRegistered(input: TaskRunInput, result: TaskResult): Vars {
  if (!input.task.register) return input.scope;
  const scope: Vars = {};
  for (const key of Object.keys(input.scope)) {
    // An earlier task's result under the same name is replaced by this one's.
    if (key === input.task.register) continue;
    Object.defineProperty(scope, key, { enumerable: true, get: () => input.scope[key] });
  }
  Object.defineProperty(scope, input.task.register, { enumerable: true, value: registeredValue(result) });
  return scope;
}

function withAttempts(result: TaskResult, attempts: number): TaskResult {
  return { ...result, data: { ...(result.data ?? {}), attempts } };
}

function describeError(err: unknown): string {
  if (err instanceof UndefinedVariableError) return `undefined variable: ${err.variable}`;
  return err instanceof Error ? err.message : String(err);
}

/** controlOnly modules get a context whose commands are a bug: they must never touch a host. */
function controlOnlyConnection(host: string): Connection {
  const refuse = async (): Promise<never> => {
    throw new Error(`${host}: a control-only module tried to run a command on the host`);
  };
  return { host, connect: async () => {}, exec: refuse, close: async () => {} };
}
