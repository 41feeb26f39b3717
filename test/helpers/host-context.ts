/**
 * A small real HostContext for task-module tests: commands go to a real Connection
 * (usually LocalConnection in a temp dir), every command is recorded with its kind, and
 * a changing command in check mode throws CheckModeViolation exactly as the contract says.
 */
import { LocalConnection } from '../../src/connection/local.ts';
import type { Connection, ExecResult } from '../../src/connection/types.ts';
import { CheckModeViolation, type Fact, type HostContext, type RunOptions } from '../../src/module/task.ts';

export interface RecordedCommand {
  kind: 'read' | 'change';
  command: string;
  exitCode?: number;
}

export interface TestHostContext extends HostContext {
  readonly commands: RecordedCommand[];
  readonly progressMessages: string[];
  readonly warnings: string[];
  /** The recorded commands of kind 'change'. */
  changes(): RecordedCommand[];
}

export interface TestHostContextOptions {
  connection?: Connection;
  host?: string;
  check?: boolean;
  diff?: boolean;
  vars?: Record<string, unknown>;
  playbookDir?: string;
  signal?: AbortSignal;
}

export function createTestHostContext(options: TestHostContextOptions = {}): TestHostContext {
  const host = options.host ?? 'testhost';
  const connection = options.connection ?? new LocalConnection(host);
  const check = options.check ?? false;
  const commands: RecordedCommand[] = [];
  const progressMessages: string[] = [];
  const warnings: string[] = [];

  async function run(kind: RecordedCommand['kind'], command: string, opts: RunOptions = {}): Promise<ExecResult> {
    const record: RecordedCommand = { kind, command };
    commands.push(record);
    if (kind === 'change' && check) throw new CheckModeViolation(host, command);
    const result = await connection.exec(command, {
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
    record.exitCode = result.exitCode;
    return result;
  }

  return {
    host,
    check,
    diff: options.diff ?? false,
    vars: options.vars ?? {},
    playbookDir: options.playbookDir ?? process.cwd(),
    signal: options.signal ?? new AbortController().signal,
    commands,
    progressMessages,
    warnings,
    read: (command, opts) => run('read', command, opts),
    change: (command, opts) => run('change', command, opts),
    async fact<T>(fact: Fact<T>): Promise<T> {
      return fact.parse(await run('read', fact.command));
    },
    progress: (message) => void progressMessages.push(message),
    warn: (message) => void warnings.push(message),
    changes: () => commands.filter((c) => c.kind === 'change'),
  };
}
