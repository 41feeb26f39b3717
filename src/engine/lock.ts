/**
 * One run at a time per inventory on this controller: two runs changing the same nodes
 * would interleave their backups and re-links. (Runs from other inventory files or other
 * controllers meet at the lock on each node: node-lock.ts.)
 *
 * The lock is a file holding the holder's pid and start time, in a directory only this
 * user can write (lock-dir.ts), created atomically and never through a symbolic link.
 * A lock whose process is gone (a crashed or SIGKILLed run) is taken over.
 */
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { closeSync, constants, linkSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { LockError } from '../errors.ts';
import { ensurePrivateDir, privateLockDir } from './lock-dir.ts';

export interface RunLock {
  path: string;
  release(): void;
}

export interface LockOptions {
  /** The lock directory (tests); default: privateLockDir(). */
  dir?: string;
  /** Wait this long for a held lock before giving up (--lock-timeout); default: do not wait. */
  waitMs?: number;
}

const POLL_MS = 200;

export function lockPathFor(inventoryFile: string, dir = privateLockDir()): string {
  const id = createHash('sha256').update(resolve(inventoryFile)).digest('hex').slice(0, 16);
  return join(dir, `${id}.lock`);
}

export function acquireLock(inventoryFile: string, options: LockOptions | string = {}): RunLock {
  const o = typeof options === 'string' ? { dir: options } : options;
  const dir = o.dir ?? privateLockDir();
  if (o.dir !== undefined) ensurePrivateDir(dir);
  const path = lockPathFor(inventoryFile, dir);
  const deadline = Date.now() + (o.waitMs ?? 0);
  for (;;) {
    const held = tryTake(path, inventoryFile);
    if (typeof held !== 'string') return held;
    if (Date.now() >= deadline) throw new LockError(held);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(POLL_MS, deadline - Date.now()));
  }
}

/** The lock, or why it could not be taken. */
function tryTake(path: string, inventoryFile: string): RunLock | string {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // The holder's pid is in the file from the moment it exists: written to a temp file
      // (O_EXCL | O_NOFOLLOW: never an existing file, never through a link), then
      // hard-linked into place (link fails if the lock exists, a dangling link included).
      const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        writeSync(fd, `${process.pid}\n${resolve(inventoryFile)}\n${holderCommand()}\n${processStartTime(process.pid) ?? ''}\n${hostname()}\n`);
      } finally {
        closeSync(fd);
      }
      try {
        linkSync(tmp, path);
      } finally {
        rmSync(tmp, { force: true });
      }
      let released = false;
      return {
        path,
        release: () => {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = lockHolder(path);
      if (holder !== undefined && holderAlive(holder)) {
        const command = holder.command ? `: ${holder.command}` : '';
        return `another run (pid ${holder.pid}${command}) holds the lock for ${inventoryFile} (${path})`;
      }
      rmSync(path, { force: true }); // stale: its process is gone (or the name is not a lock we wrote)
    }
  }
  return `could not take the lock ${path}`;
}

/**
 * `provision drift -i inv.yaml`: what the holder runs, for the message another run prints.
 * Extra vars may carry passwords: their values are left out of the lock.
 */
export function holderCommand(argv: string[] = process.argv.slice(2)): string {
  const words = argv.map((w, i) =>
    /^(-e|--extra-vars)$/.test(argv[i - 1] ?? '') ? '…' : w.startsWith('--extra-vars=') ? '--extra-vars=…' : /^-e./.test(w) ? '-e…' : w,
  );
  return ['provision', ...words].join(' ').replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300);
}

interface Holder {
  pid: number;
  command?: string;
  startTime?: string;
}

function lockHolder(path: string): Holder | undefined {
  let text: string;
  try {
    // A symlink planted in place of the lock is not read through (and is removed as stale).
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(4096);
      text = buf.subarray(0, readSync(fd, buf)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0], 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, ...(lines[2] ? { command: lines[2] } : {}), ...(lines[3] ? { startTime: lines[3] } : {}) };
}

/** Alive, and the same process that wrote the lock (a recycled pid is not the holder). */
function holderAlive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (holder.startTime === undefined) return true;
  const now = processStartTime(holder.pid);
  return now === undefined || now === holder.startTime;
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
