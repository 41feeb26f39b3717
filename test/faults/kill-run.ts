/**
 * `provision` as a child process that the test signals at a chosen moment: when `trigger`
 * calls its `fire` (on a JSON event line, an API event, an inotify event). The child is
 * the test's own; it is signalled only by its pid.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RunEvent } from '../../src/engine/events.ts';
import { REPO_ROOT } from '../helpers/run-provision.ts';

export interface KilledRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the trigger fired (the signal was sent). */
  fired: boolean;
  stdout: string;
  stderr: string;
  events: RunEvent[];
}

/** `trigger` receives `fire` and each JSON event; it returns a cleanup for any watcher it set. */
export type Trigger = (fire: () => void, onEvent: (listener: (e: RunEvent) => void) => void) => () => void;

export function runAndSignal(args: string[], signal: NodeJS.Signals, trigger: Trigger): Promise<KilledRun> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'provision.js'), ...args, '--json'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let fired = false;
  let stdout = '';
  let stderr = '';
  const events: RunEvent[] = [];
  const listeners: Array<(e: RunEvent) => void> = [];
  const fire = () => {
    if (fired || child.pid === undefined || child.exitCode !== null) return;
    fired = true;
    process.kill(child.pid, signal);
  };
  const cleanup = trigger(fire, (l) => void listeners.push(l));
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout += `${line}\n`;
    let event: RunEvent;
    try {
      event = JSON.parse(line) as RunEvent;
    } catch {
      return;
    }
    events.push(event);
    for (const l of listeners) l(event);
  });
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => {
      cleanup();
      resolve({ code, signal: sig, fired, stdout, stderr, events });
    });
  });
}
