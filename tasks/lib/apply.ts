/**
 * Running the changing part of a module: the commands (each built with `sh`) run as one
 * `set -e` script so a failing step stops the rest, and a failure comes back as a
 * message for the task result rather than an exception.
 */
import type { HostContext, RunOptions } from '../../src/module/task.ts';

export function script(commands: string[]): string {
  return ['set -e', ...commands].join('\n');
}

/** Returns undefined on success, or the error text of the failed script. */
export async function applyScript(ctx: HostContext, commands: string[], options: RunOptions = {}): Promise<string | undefined> {
  const result = await ctx.change(script(commands), options);
  if (result.exitCode === 0) return undefined;
  return result.stderr.trim() || result.stdout.trim() || `exit code ${result.exitCode}`;
}
