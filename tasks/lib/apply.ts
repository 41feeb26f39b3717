/**
 * The tail every changing module shares: a module works out a plan (what it would do, the
 * diff, the commands) and `checkOrApply` either reports it (check mode) or runs it and
 * reports the outcome. The commands run as one `set -e` script so a failing step stops the
 * rest; a failure comes back as a task result, never as an exception.
 */
import type { ExecResult } from '../../src/connection/types.ts';
import { changed, failed, type HostContext, type RunOptions, type TaskDiff, type TaskResult } from '../../src/module/task.ts';

export interface ChangePlan extends RunOptions {
  /** The change in the infinitive: "remove /x" gives "would remove /x" and "cannot remove /x: …". */
  action: string;
  /** The message after success: "removed /x". */
  done: string;
  /** The failure's prefix when it is not `cannot <action>`. */
  failure?: string;
  diff?: TaskDiff;
  /** Registered in every outcome, unless doneData or failureData replace it. */
  data?: Record<string, unknown>;
  doneData?: Record<string, unknown>;
  failureData?: Record<string, unknown>;
  /** Run as one `set -e` script. */
  commands?: string[];
  /** Or one command run exactly as given. */
  command?: string;
  /** The failure's text from the command's result (default: its stderr, else stdout, else exit code). */
  explain?: (result: ExecResult) => string;
  /** A failed command may still have changed the host (a delete that timed out waiting). */
  changedOnFailure?: boolean;
}

export function script(commands: string[]): string {
  return ['set -e', ...commands].join('\n');
}

export function resultError(result: ExecResult): string {
  return result.stderr.trim() || result.stdout.trim() || `exit code ${result.exitCode}`;
}

/** Check mode: what would change. Otherwise: run the plan and report what happened. */
export async function checkOrApply(ctx: HostContext, plan: ChangePlan): Promise<TaskResult> {
  if (ctx.check) return changed(`would ${plan.action}`, plan.diff, plan.data);
  const options: RunOptions = {
    ...(plan.stdin !== undefined ? { stdin: plan.stdin } : {}),
    ...(plan.timeoutMs !== undefined ? { timeoutMs: plan.timeoutMs } : {}),
  };
  const result = await ctx.change(plan.command ?? script(plan.commands ?? []), options);
  if (result.exitCode !== 0) {
    const outcome = failed(`${plan.failure ?? `cannot ${plan.action}`}: ${(plan.explain ?? resultError)(result)}`, plan.failureData ?? plan.data);
    return plan.changedOnFailure ? { ...outcome, changed: true } : outcome;
  }
  return changed(plan.done, plan.diff, plan.doneData ?? plan.data);
}

/** Runs `commands` as one `set -e` script; undefined on success, else the error text. For
 * modules whose outcome is more than one plan (checkOrApply serves the single-plan ones). */
export async function applyScript(ctx: HostContext, commands: string[], options: RunOptions = {}): Promise<string | undefined> {
  const result = await ctx.change(script(commands), options);
  return result.exitCode === 0 ? undefined : resultError(result);
}
