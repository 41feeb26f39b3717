/**
 * Running host programs for the lab. Arguments go to the program as an argv array (no shell
 * in between), so nothing needs quoting; results use the product's ExecResult shape.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ExecResult } from '../../src/connection/types.ts';

/** A plain environment for everything the lab runs, independent of the caller's. */
export const LAB_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
};

export function run(file: string, args: string[], input?: string | Buffer): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: LAB_ENV, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // the program may exit without reading its input
    child.stdin.end(input ?? '');
    child.on('error', (e) => resolve({ exitCode: 127, stdout: '', stderr: `${file}: ${e.message}` }));
    child.on('close', (code, signal) =>
      resolve({
        exitCode: code ?? 128,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        ...(signal ? { signal } : {}),
      }),
    );
  });
}

/** Like run, but a non-zero exit is an error carrying the command and its stderr. */
export async function runOk(file: string, args: string[], input?: string | Buffer): Promise<string> {
  const r = await run(file, args, input);
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.exitCode}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Synchronous run, for teardown from a process 'exit' handler where nothing async runs. */
export function runSync(file: string, args: string[]): ExecResult {
  const r = spawnSync(file, args, { env: LAB_ENV, cwd: '/', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    exitCode: r.status ?? 128,
    stdout: r.stdout ?? '',
    stderr: r.error ? String(r.error.message) : (r.stderr ?? ''),
  };
}

/** Blocking sleep, for short waits inside synchronous teardown. */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
