/**
 * Where the controller keeps its run locks: a directory only the running user can write.
 * A shared, world-writable place (the old /tmp/provision-locks) lets any local user create
 * the directory first and plant a symlink that a root run would follow when it writes.
 *
 * $PROVISION_LOCK_DIR, else $XDG_RUNTIME_DIR/provision (when that directory is the user's
 * own), else /run/provision for root, else ~/.cache/provision/locks. Whichever it is, it
 * must be a real directory (not a symlink), owned by this user, and is kept at mode 0700.
 */
import { chmodSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { LockError } from '../errors.ts';

export function lockDirFor(env: NodeJS.ProcessEnv = process.env, uid = process.geteuid?.() ?? 0): string {
  if (env.PROVISION_LOCK_DIR) return env.PROVISION_LOCK_DIR;
  const runtime = env.XDG_RUNTIME_DIR;
  // Under sudo, XDG_RUNTIME_DIR may still be the invoking user's: root does not keep its locks there.
  if (runtime && isAbsolute(runtime) && ownedBy(runtime, uid)) return join(runtime, 'provision');
  if (uid === 0) return '/run/provision';
  return join(homedir(), '.cache', 'provision', 'locks');
}

/** The lock directory, created 0700 if missing; refused (LockError, exit 5) if it is not safe. */
export function privateLockDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = lockDirFor(env);
  ensurePrivateDir(dir);
  return dir;
}

export function ensurePrivateDir(dir: string, uid = process.geteuid?.() ?? 0): void {
  if (!isAbsolute(dir)) throw new LockError(`lock directory ${dir} must be an absolute path`);
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) throw new LockError(`refusing the lock directory ${dir}: it is a symbolic link`);
  if (!st.isDirectory()) throw new LockError(`refusing the lock directory ${dir}: it is not a directory`);
  if (st.uid !== uid) throw new LockError(`refusing the lock directory ${dir}: it is owned by uid ${st.uid}, not by this user (uid ${uid})`);
  // Ours: make sure no one else may add or swap names in it.
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

function ownedBy(path: string, uid: number): boolean {
  try {
    return statSync(path).uid === uid;
  } catch {
    return false;
  }
}
