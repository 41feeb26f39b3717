/**
 * A command kept running on an SSH exec channel whose stdin is never ended by us until
 * release(): the command reads stdin to its end, so it ends when we release it or when
 * the connection drops (sshd then closes the command's stdin), whichever comes first.
 */
import type { ClientChannel } from 'ssh2';
import type { HeldCommand } from './types.ts';

/** Enough for a lock's answer and an error message; the rest is dropped. */
const MAX_KEPT_BYTES = 8192;

export function holdOnChannel(channel: ClientChannel, stdin?: string | Buffer): HeldCommand {
  let kept = '';
  const keep = (chunk: Buffer) => {
    if (kept.length < MAX_KEPT_BYTES) kept += chunk.toString('utf8').slice(0, MAX_KEPT_BYTES - kept.length);
  };
  const firstLine = new Promise<string>((resolve, reject) => {
    let stdout = '';
    channel.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (stdout.includes('\n')) return;
      stdout += chunk.toString('utf8');
      const end = stdout.indexOf('\n');
      if (end >= 0) resolve(stdout.slice(0, end));
    });
    channel.stderr.on('data', keep);
    channel.once('close', () => reject(new Error(`the command ended before it answered${kept ? `: ${kept.trim()}` : ''}`)));
    channel.on('error', (err: unknown) => reject(err));
  });
  firstLine.catch(() => undefined); // a caller that released early does not care
  if (stdin !== undefined) channel.write(stdin);
  let released = false;
  return {
    firstLine,
    output: () => kept,
    release: () => {
      if (released) return;
      released = true;
      channel.end();
      channel.close();
    },
  };
}
