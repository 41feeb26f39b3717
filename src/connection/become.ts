/**
 * become through sudo. Without a password: `sudo -n` (fails fast instead of hanging on a
 * prompt). With one: the password is the first line of stdin, so it never appears in argv,
 * a log or an error message — and it must reach sudo only, never the command: when sudo
 * asks for nothing (NOPASSWD, cached credentials, root becoming another user) a plain
 * `sudo -S` would leave that line in the command's stdin, and `cat > file` would write the
 * password into a file. So a small /bin/sh script reads the line itself, tries `sudo -n`
 * first, and only when sudo does want a password pipes it in front of the rest of stdin to
 * `sudo -S -k` (-k: ignore cached credentials, so that sudo really reads the line).
 *
 * A wrong password (or a PAM stack that asks a second question) must fail at once: sudo -S
 * would otherwise read its next tries from the command's own stdin, eating the first lines
 * of a file being copied. So the password is first checked alone (`sudo -S -v` with only
 * that line on its stdin), and the command runs only after sudo accepted it.
 */
import { sh, shRaw } from './quote.ts';
import type { BecomeSpec } from './types.ts';

export interface WrappedCommand {
  line: string;
  stdin?: string | Buffer;
}

/** What a command reports when sudo refused the become password. */
export const BECOME_REFUSED = 'sudo refused the become password (wrong password, or sudo asked more than a password); the command did not run';

export function wrapBecome(command: string, become?: BecomeSpec, stdin?: string | Buffer): WrappedCommand {
  if (!become) return { line: command, ...(stdin !== undefined ? { stdin } : {}) };
  if (become.password === undefined) {
    return { line: sh`sudo -n -H -u ${become.user} -- /bin/sh -c ${command}`, ...(stdin !== undefined ? { stdin } : {}) };
  }
  const rest = stdin === undefined ? Buffer.alloc(0) : Buffer.isBuffer(stdin) ? stdin : Buffer.from(stdin);
  const asUser = shRaw`-H -u ${become.user} -- /bin/sh -c ${command}`;
  // `read` and `printf` are shell builtins: the password is in no process's argv.
  const script = sh`IFS= read -r pw; if sudo -n -u ${become.user} -- /bin/sh -c : 2>/dev/null; then exec sudo -n ${asUser}; fi; if ! printf '%s\\n' "$pw" | sudo -S -k -v -p '' >/dev/null 2>&1; then echo ${BECOME_REFUSED} >&2; exit 1; fi; { printf '%s\\n' "$pw"; exec cat; } | sudo -S -k -p '' ${asUser}`;
  return {
    // Through /bin/sh whatever the login shell is (the script needs POSIX `read`).
    line: sh`/bin/sh -c ${script}`,
    stdin: Buffer.concat([Buffer.from(`${become.password}\n`), rest]),
  };
}
