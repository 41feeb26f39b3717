/**
 * A separate process that checks, in a tight loop, that a path exists (as anything,
 * a dangling symlink included) and counts every check that finds nothing: the proof that
 * a replacement by rename never leaves the path missing, not even for a moment.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { sh } from '../../src/connection/quote.ts';

export interface WatchReport {
  checks: number;
  missing: number;
}

export function watchPath(path: string, stopFile: string): { stop(): Promise<WatchReport> } {
  const script = sh`p=${path}; stop=${stopFile}; n=0
while ! [ -e "$stop" ]; do if [ -L "$p" ] || [ -e "$p" ]; then n=$((n+1)); else echo MISSING; fi; done
echo "checks=$n"`;
  const child = spawn('/bin/sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    async stop() {
      await writeFile(stopFile, '');
      await exited;
      const checks = Number(/checks=(\d+)/.exec(out)?.[1] ?? 0);
      return { checks, missing: out.split('\n').filter((l) => l === 'MISSING').length };
    },
  };
}
