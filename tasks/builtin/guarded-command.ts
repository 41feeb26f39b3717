/**
 * What command and shell share: the `creates`/`removes` guards, Ansible's check-mode
 * behaviour, running with stdin, and the registered result (rc, stdout, stdout_lines, …).
 */
import { TaskError } from '../../src/errors.ts';
import { raw, sh } from '../../src/connection/quote.ts';
import type { ExecResult } from '../../src/connection/types.ts';
import type { ArgsOfProperties } from '../../src/module/args.ts';
import { changed, ok, skipped, type Fact, type HostContext, type TaskResult } from '../../src/module/task.ts';

export const guardProperties = {
  chdir: { type: 'string', description: 'Change into this directory before running the command.' },
  creates: {
    type: 'string',
    description: 'A path; when it already exists the command is not run (relative paths resolve in chdir).',
  },
  removes: {
    type: 'string',
    description: 'A path; when it does not exist the command is not run (relative paths resolve in chdir).',
  },
  stdin: { type: 'string', description: "Text fed to the command's standard input." },
  stdin_add_newline: {
    type: 'boolean',
    default: true,
    description: 'Append a newline to stdin, as Ansible does.',
  },
  timeout: {
    type: 'number',
    exclusiveMinimum: 0,
    description: 'Seconds before the command is ended (rc 124). Default: `provision_command_timeout`, else 600.',
  },
} as const;

export type GuardArgs = ArgsOfProperties<typeof guardProperties>;

/** Prints `yes`/`no`; a chdir that cannot be entered is an error, not "absent". */
export function pathExistsFact(path: string, chdir?: string): Fact<boolean> {
  const test = sh`if test -e ${path} || test -L ${path}; then echo yes; else echo no; fi`;
  return { command: chdir === undefined ? test : sh`cd -- ${chdir} || exit 2; ${raw(test)}`, parse: parseExists };
}

export function parseExists(result: ExecResult): boolean {
  const out = result.stdout.trim();
  if (result.exitCode !== 0 || (out !== 'yes' && out !== 'no')) {
    throw new TaskError(`cannot check path (exit ${result.exitCode}): ${result.stderr.trim() || out}`);
  }
  return out === 'yes';
}

/** Ansible strips trailing newlines from stdout/stderr and splits them into *_lines. */
export function commandData(cmd: unknown, result: ExecResult): Record<string, unknown> {
  const stdout = result.stdout.replace(/[\r\n]+$/, '');
  const stderr = result.stderr.replace(/[\r\n]+$/, '');
  return {
    cmd,
    rc: result.exitCode,
    stdout,
    stderr,
    stdout_lines: stdout === '' ? [] : stdout.split(/\r?\n/),
    stderr_lines: stderr === '' ? [] : stderr.split(/\r?\n/),
  };
}

/**
 * Apply the guards, then run `line` (already built with `sh`; `chdir` is prepended here).
 * Check mode cannot know what an arbitrary command would do: without guards it is
 * skipped; with guards that say it would run, it is reported as a change.
 */
export async function runGuarded(ctx: HostContext, args: GuardArgs, line: string, cmd: unknown): Promise<TaskResult> {
  const notRun = (msg: string): TaskResult => ok(msg, { cmd, rc: 0, stdout: '', stderr: '', stdout_lines: [], stderr_lines: [] });
  if (args.creates !== undefined && (await ctx.fact(pathExistsFact(args.creates, args.chdir)))) {
    return notRun(`Did not run command since '${args.creates}' exists`);
  }
  if (args.removes !== undefined && !(await ctx.fact(pathExistsFact(args.removes, args.chdir)))) {
    return notRun(`Did not run command since '${args.removes}' does not exist`);
  }
  if (ctx.check) {
    const guarded = args.creates !== undefined || args.removes !== undefined;
    return guarded ? changed('Command would have run if not in check mode') : skipped('Command would have run if not in check mode');
  }
  const full = args.chdir !== undefined ? sh`cd -- ${args.chdir} && ${raw(line)}` : line;
  const stdin =
    args.stdin === undefined ? undefined : args.stdin + (args.stdin_add_newline === false ? '' : '\n');
  const result = await ctx.change(full, {
    ...(stdin === undefined ? {} : { stdin }),
    ...(args.timeout !== undefined ? { timeoutMs: args.timeout * 1000 } : {}),
  });
  const data = commandData(cmd, result);
  if (result.exitCode !== 0) {
    const detail = String(data.stderr || data.stdout).split('\n')[0];
    // The command did run, so it may have changed something: Ansible reports changed too.
    return { changed: true, failed: true, skipped: false, msg: `non-zero return code ${result.exitCode}${detail ? `: ${detail}` : ''}`, data };
  }
  return changed(`rc=0`, undefined, data);
}
