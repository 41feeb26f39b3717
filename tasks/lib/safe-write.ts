/**
 * Shell steps that keep a write safe when the host's file system holds traps set by other
 * local users: a temp file that is never readable by others before its mode is set, a
 * content check before the rename (a sudo prompt that ate the first lines of stdin must not
 * go unnoticed), a backup that never follows a planted link, and, as root, a refusal to
 * write into a directory another user can write to (they could swap names under us).
 */
import { sh } from '../../src/connection/quote.ts';
import { siblingTempPath } from './temp-path.ts';

/** Create `tmp` from stdin under umask 077 and noclobber: new, 0600 until its mode is set. */
export function writeStdinPrivately(tmp: string): string {
  return sh`(umask 077; set -C; cat > ${tmp})`;
}

/** Fail unless `tmp` holds exactly the content whose sha256 is `checksum`. */
export function verifyChecksum(tmp: string, checksum: string): string {
  return sh`got=$(sha256sum < ${tmp}) && [ "\${got%% *}" = ${checksum} ] || { echo ${`the content written to ${tmp} is not what was sent (sha256 differs); not replacing the destination`} >&2; exit 1; }`;
}

/**
 * As root, refuse when the directory of `dest` is owned by another user or writable by
 * group or others (a sticky /tmp included): whoever can write there can swap the names
 * a root process is about to use.
 */
export function refuseSharedParent(dest: string): string {
  const parent = dest.includes('/') ? dest.slice(0, dest.lastIndexOf('/')) || '/' : '.';
  return sh`if [ "$(id -u)" -eq 0 ]; then set -- $(stat -L -c '%u %a' -- ${parent}) && if [ "$1" -ne 0 ] || [ $(( 0$2 & 022 )) -ne 0 ]; then echo ${`refusing to write ${dest} as root: ${parent} is writable by a user other than root`} >&2; exit 1; fi; fi`;
}

/** Copy `dest` to `backup` without following links: a fresh random name, then a rename. */
export function backupWithoutFollowing(dest: string, backup: string): string[] {
  const tmp = siblingTempPath(backup, 'backup');
  return [sh`cp -P -p -- ${dest} ${tmp}`, sh`mv -f -T -- ${tmp} ${backup}`];
}
