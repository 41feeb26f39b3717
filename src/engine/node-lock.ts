/**
 * A lock on each node, for runs from any inventory file and any controller: the run's own
 * SSH connection keeps one long-lived command on the node that holds flock(1) on
 * /run/provision/node.lock (a root-owned 0700 directory on tmpfs) and reads its stdin to
 * the end. Releasing the lock ends that stdin; so does the connection dropping, so a
 * controller killed with SIGKILL frees the node as soon as sshd sees its TCP connection
 * close. A lock can never be left behind: flock is the kernel's, and ends with the process.
 *
 * The holder writes who it is (controller host, pid, command, time) next to the lock, so a
 * second run that finds it held can say whose it is. See docs/security.md, "Locks".
 */
import { hostname } from 'node:os';
import type { BecomeSpec, Connection, HeldCommand } from '../connection/types.ts';
import { BECOME_REFUSED } from '../connection/become.ts';
import { sh } from '../connection/quote.ts';
import { LockError } from '../errors.ts';
import { holderCommand } from './lock.ts';

export const NODE_LOCK_DIR = '/run/provision';
export const NODE_LOCK_FILE = `${NODE_LOCK_DIR}/node.lock`;
export const NODE_LOCK_HOLDER_FILE = `${NODE_LOCK_DIR}/node.holder`;

/** Exit status of the lock command when another run holds the lock (EX_TEMPFAIL). */
const HELD_STATUS = 75;

export type NodeLockAnswer =
  | { kind: 'taken'; held: HeldCommand }
  | { kind: 'held'; holder: string }
  | { kind: 'refused'; reason: string }
  | { kind: 'unavailable'; reason: string };

export interface NodeLockOptions {
  /** Wait up to this long for a held lock (flock -w); default: answer at once. */
  waitMs?: number;
  /** How to become root on the node when the login user is not root. */
  become?: BecomeSpec;
  /** Who holds it, as written for others to read; default: this controller and process. */
  holder?: string;
}

export function holderDescription(now = new Date()): string {
  return `controller ${hostname()} pid ${process.pid} since ${now.toISOString()}: ${holderCommand()}`;
}

/** The script the node runs (as root); its first line of output is its answer. */
export function nodeLockScript(o: { waitMs?: number; holder: string }): string {
  const wait = o.waitMs && o.waitMs > 0 ? sh`-w ${Math.ceil(o.waitMs / 1000)}` : '-n';
  const holder = o.holder.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 400);
  return [
    'umask 077',
    sh`d=${NODE_LOCK_DIR}; f=${NODE_LOCK_FILE}; h=${NODE_LOCK_HOLDER_FILE}`,
    'mkdir -p -m 700 "$d" 2>/dev/null',
    // Root's own directory or nothing: a symlink or someone else's directory is refused.
    'if [ -L "$d" ] || [ ! -d "$d" ] || [ "$(stat -c %u "$d")" != "$(id -u)" ]; then echo "refused: $d is not a directory owned by $(id -un)"; exit 3; fi',
    'chmod 700 "$d" || exit 3',
    'if [ -L "$f" ] || [ -L "$h" ] || { [ -e "$f" ] && [ ! -f "$f" ]; }; then echo "refused: $f or $h is not a regular file"; exit 3; fi',
    'command -v flock >/dev/null || { echo "unavailable: flock(1) is not installed"; exit 4; }',
    'exec 9>>"$f" || exit 3',
    `if flock -x ${wait} 9; then`,
    sh`  printf '%s\\n' ${holder} > "$h.$$" && mv -f "$h.$$" "$h"`,
    '  echo taken',
    // cat holds fd 9 (inherited) until its stdin ends: release(), or the connection drops.
    '  exec cat >/dev/null',
    'fi',
    'echo "held: $(head -c 400 "$h" 2>/dev/null | tr -d "\\000-\\037")"',
    `exit ${HELD_STATUS}`,
  ].join('\n');
}

/** Try to take the lock on one connected host. */
export async function takeNodeLock(connection: Connection, o: NodeLockOptions = {}): Promise<NodeLockAnswer> {
  if (!connection.hold) return { kind: 'unavailable', reason: 'the connection cannot hold a command' };
  const script = nodeLockScript({ ...(o.waitMs !== undefined ? { waitMs: o.waitMs } : {}), holder: o.holder ?? holderDescription() });
  const held = await connection.hold(sh`/bin/sh -c ${script}`, o.become ? { become: o.become } : {});
  let line: string;
  try {
    line = await held.firstLine;
  } catch (err) {
    held.release();
    const said = held.output();
    if (said.includes(BECOME_REFUSED) || /sudo/.test(said)) return { kind: 'unavailable', reason: `cannot become root: ${said.trim().split('\n')[0]}` };
    return { kind: 'unavailable', reason: (err as Error).message };
  }
  if (line === 'taken') return { kind: 'taken', held };
  held.release();
  if (line.startsWith('held: ')) return { kind: 'held', holder: line.slice('held: '.length) || 'another run (who, unknown)' };
  if (line.startsWith('refused: ')) return { kind: 'refused', reason: line.slice('refused: '.length) };
  return { kind: 'unavailable', reason: line.replace(/^unavailable: /, '') };
}

/** The message of a run that found the lock held on some hosts. */
export function heldMessage(held: Array<{ host: string; holder: string }>): string {
  return held.map((h) => `${h.host}: another run holds the node lock ${NODE_LOCK_FILE}: ${h.holder}`).join('\n');
}

export function refusedError(refused: Array<{ host: string; reason: string }>): LockError {
  return new LockError(refused.map((r) => `${r.host}: refusing the node lock: ${r.reason}`).join('\n'));
}
