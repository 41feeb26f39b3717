/**
 * become through sudo. Without a password: `sudo -n` (fails fast instead of hanging on a
 * prompt). With one: `sudo -S -p ''` and the password is the first line of stdin, so it
 * never appears in argv, a log or an error message.
 */
import { sh } from './quote.ts';
import type { BecomeSpec } from './types.ts';

export interface WrappedCommand {
  line: string;
  stdin?: string | Buffer;
}

export function wrapBecome(command: string, become?: BecomeSpec, stdin?: string | Buffer): WrappedCommand {
  if (!become) return { line: command, ...(stdin !== undefined ? { stdin } : {}) };
  if (become.password === undefined) {
    return { line: sh`sudo -n -H -u ${become.user} -- /bin/sh -c ${command}`, ...(stdin !== undefined ? { stdin } : {}) };
  }
  const rest = stdin === undefined ? Buffer.alloc(0) : Buffer.isBuffer(stdin) ? stdin : Buffer.from(stdin);
  return {
    line: sh`sudo -S -p '' -H -u ${become.user} -- /bin/sh -c ${command}`,
    stdin: Buffer.concat([Buffer.from(`${become.password}\n`), rest]),
  };
}
