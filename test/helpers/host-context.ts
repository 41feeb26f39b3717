/**
 * The engine's own HostContext (src/engine/host-context.ts) for task-module tests: commands
 * go to a real Connection (usually LocalConnection in a temp dir), and the context's
 * observer hook records every command with its kind. Check mode is the real guard: a
 * changing command throws CheckModeViolation before it is recorded or run.
 */
import { LocalConnection } from '../../src/connection/local.ts';
import type { Connection } from '../../src/connection/types.ts';
import { createHostContext, type CommandKind } from '../../src/engine/host-context.ts';
import type { HostContext } from '../../src/module/task.ts';

export interface RecordedCommand {
  kind: CommandKind;
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
  /** Sees each progress message as the module reports it (a test can answer an event). */
  onProgress?: (message: string) => void;
}

export function createTestHostContext(options: TestHostContextOptions = {}): TestHostContext {
  const host = options.host ?? 'testhost';
  const connection = options.connection ?? new LocalConnection(host);
  const commands: RecordedCommand[] = [];
  const progressMessages: string[] = [];
  const warnings: string[] = [];
  // The observer sees a command just before it runs; the exit code is filled in after.
  const recording: Connection = {
    host: connection.host,
    connect: () => connection.connect(),
    close: () => connection.close(),
    async exec(command, opts) {
      const record = commands[commands.length - 1];
      const result = await connection.exec(command, opts);
      if (record?.command === command) record.exitCode = result.exitCode;
      return result;
    },
  };
  const ctx = createHostContext({
    host,
    connection: recording,
    check: options.check ?? false,
    diff: options.diff ?? false,
    vars: options.vars ?? {},
    playbookDir: options.playbookDir ?? process.cwd(),
    signal: options.signal ?? new AbortController().signal,
    onProgress: (message) => {
      progressMessages.push(message);
      options.onProgress?.(message);
    },
    onWarning: (message) => void warnings.push(message),
    observer: (_host, kind, command) => void commands.push({ kind, command }),
  });
  return { ...ctx, commands, progressMessages, warnings, changes: () => commands.filter((c) => c.kind === 'change') };
}
