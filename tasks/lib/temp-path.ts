/**
 * Names for temporary files next to their destination: the same directory means the same
 * file system, so the final `mv` is a rename(2) and atomic. The name does not contain the
 * destination's own name, so it stays short and free of hostile characters.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';

export function siblingTempPath(path: string, purpose: string): string {
  const dir = posix.dirname(path);
  // A relative dir like "-x" must not look like an option to mv/ln.
  const base = dir.startsWith('/') || dir.startsWith('.') ? dir : `./${dir}`;
  return `${base}/.provision-${purpose}-${randomBytes(6).toString('hex')}`;
}

/** True for a name `siblingTempPath` makes for `purpose`: what an interrupted run can leave behind. */
export function isSiblingTempName(name: string, purpose: string): boolean {
  return new RegExp(`^\\.provision-${purpose}-[0-9a-f]{12}$`).test(name);
}

/** Ansible's backup name: dest.YYYY-MM-DD@HH:MM:SS~ (local time of the control machine). */
export function backupPath(path: string, now = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}@${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
  return `${path}.${stamp}~`;
}
