/**
 * One run at a time per inventory: two runs changing the same nodes would interleave
 * their backups and re-links. The lock is a file holding the PID, created atomically;
 * a lock whose PID is gone (a crashed run) is taken over.
 */
import { createHash } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LockError } from '../errors.ts';

export interface RunLock {
  path: string;
  release(): void;
}

export function lockPathFor(inventoryFile: string, dir = process.env.PROVISION_LOCK_DIR ?? join(tmpdir(), 'provision-locks')): string {
  const id = createHash('sha256').update(resolve(inventoryFile)).digest('hex').slice(0, 16);
  return join(dir, `${id}.lock`);
}

export function acquireLock(inventoryFile: string, dir?: string): RunLock {
  const path = lockPathFor(inventoryFile, dir);
  mkdirSync(join(path, '..'), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // The holder's pid is in the file from the moment it exists: written to a temp file,
      // then hard-linked into place (link fails if the lock exists), so no other run can
      // read an empty lock and take it for a stale one.
      const tmp = `${path}.${process.pid}.tmp`;
      const fd = openSync(tmp, 'w', 0o644);
      writeSync(fd, `${process.pid}\n${resolve(inventoryFile)}\n${holderCommand()}\n`);
      closeSync(fd);
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
      if (holder !== undefined && processAlive(holder.pid)) {
        const command = holder.command ? `: ${holder.command}` : '';
        throw new LockError(`another run (pid ${holder.pid}${command}) holds the lock for ${inventoryFile} (${path})`);
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new LockError(`could not take the lock ${path}`);
}

/**
 * `provision drift -i inv.yaml`: what the holder runs, for the message another run prints.
 * Extra vars may carry passwords: their values are left out of the (world-readable) lock.
 */
export function holderCommand(argv: string[] = process.argv.slice(2)): string {
  const words = argv.map((w, i) =>
    /^(-e|--extra-vars)$/.test(argv[i - 1] ?? '') ? '…' : w.startsWith('--extra-vars=') ? '--extra-vars=…' : /^-e./.test(w) ? '-e…' : w,
  );
  return ['provision', ...words].join(' ').replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300);
}

function lockHolder(path: string): { pid: number; command?: string } | undefined {
  try {
    const lines = readFileSync(path, 'utf8').split('\n');
    const pid = Number.parseInt(lines[0], 10);
    return Number.isFinite(pid) ? { pid, ...(lines[2] ? { command: lines[2] } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
