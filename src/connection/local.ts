/** ansible_connection: local — runs commands on the control machine through zx. */
import { spawn } from 'node:child_process';
import { InterruptedError } from '../errors.ts';
import type { Connection, ExecOptions, ExecResult } from './types.ts';
import { wrapBecome } from './become.ts';
import { DEFAULT_MAX_OUTPUT_BYTES, OutputLimitError } from './limits.ts';

/**
 * A command that exits without reading all of its stdin (a kubectl that fails at once)
 * closes the pipe under zx's write: that EPIPE is told by the command's exit code, and
 * must not become an uncaught exception that ends the run.
 */
const spawnTolerantOfEarlyExit = ((...args: Parameters<typeof spawn>) => {
  const child = spawn(...args);
  child.stdin?.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  return child;
}) as typeof spawn;

export class LocalConnection implements Connection {
  constructor(readonly host: string) {}

  async connect(): Promise<void> {}

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    // zx is loaded on the first local command only: a run over SSH (drift from cron) never
    // pays for loading it (`npm run bench` measures start-up).
    const { $ } = await import('zx');
    const { line, stdin } = wrapBecome(command, options.become, options.stdin);
    const p = $({ spawn: spawnTolerantOfEarlyExit, nothrow: true, quiet: true, input: stdin, timeout: options.timeoutMs, timeoutSignal: 'SIGKILL', ...(options.signal ? { signal: options.signal } : {}) })`/bin/sh -c ${line}`;
    const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    let overflow: OutputLimitError | undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      let size = 0;
      p[stream].on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit && !overflow) {
          overflow = new OutputLimitError(stream, limit);
          void p.kill('SIGKILL').catch(() => undefined);
        }
      });
    }
    // Interrupted: the command was killed; say so as the ssh connection does, not as a failure of it.
    const out = await p.catch((err: unknown) => {
      if (options.signal?.aborted) throw new InterruptedError();
      throw err;
    });
    if (options.signal?.aborted) throw new InterruptedError();
    if (overflow) throw overflow;
    const timedOut = options.timeoutMs !== undefined && out.signal === 'SIGKILL';
    return {
      exitCode: timedOut ? 124 : out.exitCode ?? 1,
      stdout: out.stdout,
      stderr: out.stderr,
      ...(out.signal ? { signal: out.signal } : {}),
    };
  }

  async close(): Promise<void> {}
}
