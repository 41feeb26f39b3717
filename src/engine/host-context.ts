/**
 * The engine's HostContext: the only door from a task module to a host. It applies
 * become, separates reading from changing, and refuses changes in check mode — which is
 * what lets a test prove that `--check` never changes a host.
 */
import { DEFAULT_COMMAND_TIMEOUT_MS } from '../connection/limits.ts';
import type { BecomeSpec, Connection } from '../connection/types.ts';
import { CheckModeViolation, type Fact, type HostContext, type RunOptions } from '../module/task.ts';

export type CommandKind = 'read' | 'change';

/** Sees every command before it runs (tests record them; -vvv could print them). */
export type CommandObserver = (host: string, kind: CommandKind, command: string) => void;

export interface HostContextOptions {
  host: string;
  connection: Connection;
  become?: BecomeSpec;
  check: boolean;
  diff: boolean;
  vars: Record<string, unknown>;
  playbookDir: string;
  signal: AbortSignal;
  onProgress(message: string): void;
  onWarning(message: string): void;
  observer?: CommandObserver;
}

/** `provision_command_timeout` (seconds, from the inventory or -e), else the built-in default. */
function defaultTimeoutMs(vars: Record<string, unknown>): number {
  const raw = vars.provision_command_timeout;
  const seconds = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_COMMAND_TIMEOUT_MS;
}

export function createHostContext(o: HostContextOptions): HostContext {
  const run = async (kind: CommandKind, command: string, options: RunOptions = {}) => {
    if (kind === 'change' && o.check) throw new CheckModeViolation(o.host, command);
    o.observer?.(o.host, kind, command);
    return o.connection.exec(command, {
      ...(o.become ? { become: o.become } : {}),
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      // Every command ends some time: a node that hangs must not hold the run (and its lock).
      timeoutMs: options.timeoutMs ?? defaultTimeoutMs(o.vars),
      ...(options.maxOutputBytes !== undefined ? { maxOutputBytes: options.maxOutputBytes } : {}),
      signal: o.signal,
    });
  };
  return {
    host: o.host,
    check: o.check,
    diff: o.diff,
    vars: o.vars,
    playbookDir: o.playbookDir,
    signal: o.signal,
    read: (command, options) => run('read', command, options),
    change: (command, options) => run('change', command, options),
    fact: async <T>(fact: Fact<T>) => fact.parse(await run('read', fact.command, fact.options)),
    progress: o.onProgress,
    warn: o.onWarning,
  };
}
