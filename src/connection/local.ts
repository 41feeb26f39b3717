/** ansible_connection: local — runs commands on the control machine through zx. */
import { $ } from 'zx';
import type { Connection, ExecOptions, ExecResult } from './types.ts';
import { wrapBecome } from './become.ts';
import { DEFAULT_MAX_OUTPUT_BYTES, OutputLimitError } from './limits.ts';

export class LocalConnection implements Connection {
  constructor(readonly host: string) {}

  async connect(): Promise<void> {}

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const { line, stdin } = wrapBecome(command, options.become, options.stdin);
    const p = $({ nothrow: true, quiet: true, input: stdin, timeout: options.timeoutMs, timeoutSignal: 'SIGKILL', ...(options.signal ? { signal: options.signal } : {}) })`/bin/sh -c ${line}`;
    // A command may exit without reading its stdin (kubectl failing early): EPIPE on our
    // write is then no error of the command's.
    p.stdin.on('error', () => undefined);
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
    const out = await p;
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
