/** Run provision in-process (events and commands recorded) or as the real CLI (exit code, output). */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executePlaybook } from '../../src/cli/execute.ts';
import { loadInputs } from '../../src/cli/load-inputs.ts';
import type { CommonFlags } from '../../src/cli/options.ts';
import type { RunEvent } from '../../src/engine/events.ts';
import type { CommandKind } from '../../src/engine/host-context.ts';
import type { RunSummary } from '../../src/engine/runner.ts';
import { runProcess, type ProcessOptions, type ProcessRun } from './run-process.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RecordedCommand {
  host: string;
  kind: CommandKind;
  command: string;
}

export interface InProcessRun {
  summary: RunSummary;
  events: RunEvent[];
  commands: RecordedCommand[];
  /** host → task name → status */
  statuses: Record<string, Record<string, string>>;
}

/** Called as each event is reported and as each command is about to run (fault tests inject there). */
export interface RunHooks {
  event?: (e: RunEvent) => void;
  command?: (c: RecordedCommand) => void;
}

export async function runInProcess(
  inventoryFile: string,
  playbookFile: string,
  flags: Partial<CommonFlags> = {},
  hooks: RunHooks = {},
): Promise<InProcessRun> {
  const { inventory, playbooks } = loadInputs(inventoryFile, [playbookFile]);
  const events: RunEvent[] = [];
  const commands: RecordedCommand[] = [];
  const summary = await executePlaybook({
    flags: { check: false, diff: false, forks: 5, json: false, verbose: 0, extraVars: {}, help: false, ...flags },
    inventory,
    playbook: playbooks[0],
    reporter: { event: (e) => (events.push(e), hooks.event?.(e)), close: async () => {} },
    observer: (host, kind, command) => (commands.push({ host, kind, command }), hooks.command?.({ host, kind, command })),
  });
  const statuses: Record<string, Record<string, string>> = {};
  for (const e of events) if (e.type === 'host_result') (statuses[e.host] ??= {})[e.task] = e.status;
  return { summary, events, commands, statuses };
}

export type CliRun = ProcessRun;

export function runCli(args: string[], options: ProcessOptions = {}): Promise<CliRun> {
  return runProcess(process.execPath, [join(REPO_ROOT, 'bin', 'provision.js'), ...args], { ...options, cwd: options.cwd ?? REPO_ROOT });
}
