/**
 * One command on an SSH exec channel, and how a timeout is enforced on the host.
 */
import { constants as osConstants } from 'node:os';
import type { ClientChannel } from 'ssh2';
import { sh } from './quote.ts';
import { DEFAULT_MAX_OUTPUT_BYTES, OutputLimitError } from './limits.ts';
import type { ExecResult } from './types.ts';

/** Grace between SIGTERM and SIGKILL for a command that ran past its timeout. */
const KILL_GRACE_MS = 1000;
/** Extra wait on our side before giving up on a host whose timeout(1) did not end the command. */
const CLIENT_SLACK_MS = 3000;
/** How long to wait for the server to confirm a channel close before giving up on it. */
const CLOSE_WAIT_MS = 5000;

/**
 * Run one command on an open exec channel: stdin written then ended, stdout and stderr
 * collected as bytes and decoded once (a UTF-8 character may span two packets).
 * Rejects when the connection fails under the command, and with OutputLimitError as soon as
 * stdout or stderr passes `maxOutputBytes` (the channel is closed at once: nothing more is
 * buffered, and a node that keeps writing cannot keep us waiting). A timed-out command gives 124,
 * whether timeout(1) ended it (124, or 137 when it ignored SIGTERM) or we gave up waiting.
 */
export function runOnChannel(
  channel: ClientChannel,
  stdin: string | Buffer | undefined,
  timeoutMs?: number,
  maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES,
): Promise<ExecResult> {
  const started = Date.now();
  const expired = () => timeoutMs !== undefined && Date.now() - started >= timeoutMs;
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let code: number | null | undefined;
    let signal: string | undefined;
    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    let stderrEnded = false;
    let closed = false;

    const finish = () => {
      if (!closed || !stderrEnded || overflowed) return;
      timers.forEach(clearTimeout);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) return resolve({ exitCode: 124, stdout, stderr, ...(signal ? { signal } : {}) });
      if (code === undefined) return reject(new Error('the channel closed without an exit status'));
      const exitCode = code === null ? signalExitCode(signal) : code;
      // timeout(1) kills its own process group with SIGKILL when SIGTERM was not enough.
      if ((exitCode === 124 || exitCode === 137) && expired()) return resolve({ exitCode: 124, stdout, stderr });
      resolve({ exitCode, stdout, stderr, ...(code === null && signal ? { signal } : {}) });
    };

    const size = { stdout: 0, stderr: 0 };
    let overflowed = false;
    const collect = (stream: 'stdout' | 'stderr', into: Buffer[]) => (chunk: Buffer) => {
      if (overflowed) return;
      size[stream] += chunk.length;
      if (size[stream] > maxOutputBytes) {
        overflowed = true;
        out.length = 0;
        err.length = 0;
        timers.forEach(clearTimeout);
        channel.close();
        reject(new OutputLimitError(stream, maxOutputBytes));
        return;
      }
      into.push(chunk);
    };
    channel.on('data', collect('stdout', out));
    channel.stderr.on('data', collect('stderr', err));
    channel.stderr.once('close', () => {
      stderrEnded = true;
      finish();
    });
    channel.on('exit', (exitCode: number | null, exitSignal?: string) => {
      code = exitCode;
      signal = exitSignal ?? undefined;
      // Past the timeout, children that keep stdout open must not keep us waiting.
      if (timedOut) channel.close();
    });
    // ssh2 repeats the exit status on `close`: the `exit` event itself can fire before these
    // listeners exist, when the exec reply and the whole output arrive in one TCP read.
    channel.once('close', (exitCode?: number | null, exitSignal?: string) => {
      if (code === undefined && exitCode !== undefined) {
        code = exitCode;
        signal = exitSignal ?? undefined;
      }
      closed = true;
      finish();
    });
    channel.on('error', (e: unknown) => reject(e));

    if (timeoutMs !== undefined) {
      // Normally timeout(1) on the host ends the command; this is for a host that does not answer.
      timers.push(
        setTimeout(() => {
          timedOut = true;
          channel.close();
          timers.push(setTimeout(() => ((stderrEnded = true), (closed = true), finish()), CLOSE_WAIT_MS));
        }, timeoutMs + KILL_GRACE_MS + CLIENT_SLACK_MS),
      );
    }

    if (stdin === undefined) channel.end();
    else channel.end(stdin);
  });
}

/**
 * Enforce the timeout on the host with timeout(1), which signals the command's whole
 * process group. Signalling over SSH cannot do it: OpenSSH refuses signal requests for
 * root sessions and sshd keeps a channel open until the command has exited.
 */
export function withRemoteTimeout(command: string, timeoutMs: number): string {
  const seconds = (Math.max(timeoutMs, 1) / 1000).toString();
  return sh`timeout -k ${KILL_GRACE_MS / 1000} ${seconds} /bin/sh -c ${command}`;
}

/** The shell's convention for a process killed by a signal: 128 + its number. */
function signalExitCode(signal: string | undefined): number {
  const n = signal ? osConstants.signals[signal as keyof typeof osConstants.signals] : undefined;
  return n === undefined ? 255 : 128 + n;
}
