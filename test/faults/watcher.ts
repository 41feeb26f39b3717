/**
 * The host-local watcher (host-local-watcher.mjs) as a test sees it: a second process that
 * polls every node's host-local every few milliseconds while it runs, and reports every
 * moment one did not resolve to an executable. Tests start one per lab and end it by pid
 * (its stdin closing ends it; a teardown may kill its pid).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export interface WatchedNode {
  name: string;
  /** The node's host-side root (LabNode.root): in-node absolute paths are read under it. */
  root: string;
  /** In-node path of the file that must always resolve to an executable. */
  path: string;
}

export interface HostLocalReport {
  checks: number;
  failures: { node: string; at: string; reason: string }[];
}

export interface HostLocalWatcher {
  pid: number;
  /** The report so far (the watcher keeps going). */
  report(): Promise<HostLocalReport>;
  /** The final report; the process has exited when this resolves. */
  stop(): Promise<HostLocalReport>;
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'host-local-watcher.mjs');

export async function startHostLocalWatcher(nodes: WatchedNode[], intervalMs = 2): Promise<HostLocalWatcher> {
  const child: ChildProcessByStdio<Writable, Readable, null> = spawn(process.execPath, [SCRIPT, JSON.stringify({ nodes, intervalMs })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const line = await lines.next();
    if (line.done) throw new Error('the host-local watcher exited without a report');
    return line.value;
  };
  if ((await next()) !== 'watching') throw new Error('the host-local watcher did not start');
  let stopped: Promise<HostLocalReport> | undefined;
  return {
    pid: child.pid!,
    async report() {
      child.stdin.write('report\n');
      return JSON.parse(await next()) as HostLocalReport;
    },
    stop() {
      stopped ??= (async () => {
        child.stdin.end();
        const last = JSON.parse(await next()) as HostLocalReport;
        await exited;
        return last;
      })();
      return stopped;
    },
  };
}
