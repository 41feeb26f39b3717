import t from 'tap';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, lockPathFor } from '../../../src/engine/lock.ts';
import { ensurePrivateDir, lockDirFor, privateLockDir } from '../../../src/engine/lock-dir.ts';
import { LockError } from '../../../src/errors.ts';

const root = mkdtempSync(join(tmpdir(), 'lock-dir-'));
const uid = process.geteuid!();

t.test('the lock directory: $XDG_RUNTIME_DIR/provision when that is ours, /run/provision for root', async (t) => {
  const runtime = join(root, 'xdg');
  mkdirSync(runtime, { mode: 0o700 });
  t.equal(lockDirFor({ XDG_RUNTIME_DIR: runtime }, uid), join(runtime, 'provision'));
  t.equal(lockDirFor({}, 0), '/run/provision');
  t.equal(lockDirFor({ PROVISION_LOCK_DIR: '/x/y' }, uid), '/x/y', 'PROVISION_LOCK_DIR wins');
  const someoneElses = join(root, 'xdg-other');
  mkdirSync(someoneElses, { mode: 0o700 });
  chownSync(someoneElses, 65534, 65534);
  t.equal(lockDirFor({ XDG_RUNTIME_DIR: someoneElses }, 0), '/run/provision', "root ignores another user's XDG_RUNTIME_DIR (sudo keeps it)");
  const dir = privateLockDir({ XDG_RUNTIME_DIR: runtime });
  t.equal(statSync(dir).mode & 0o777, 0o700, 'created 0700');
});

t.test('a symlink planted as the lock directory is refused, its target untouched', async (t) => {
  const runtime = join(root, 'planted');
  const target = join(root, 'victim');
  mkdirSync(runtime, { mode: 0o700 });
  mkdirSync(target, { mode: 0o755 });
  symlinkSync(target, join(runtime, 'provision'));
  t.throws(() => acquireLock(join(root, 'inv.yaml'), { dir: join(runtime, 'provision') }), { name: 'LockError', message: /is a symbolic link/ });
  t.throws(() => privateLockDir({ XDG_RUNTIME_DIR: runtime }), LockError);
  t.same(readdirSync(target), [], 'nothing written through the link');
  t.equal(statSync(target).mode & 0o777, 0o755, "the target's mode unchanged");
});

t.test("a lock directory owned by someone else is refused; our own is tightened to 0700", async (t) => {
  const foreign = join(root, 'foreign');
  mkdirSync(foreign, { mode: 0o777 });
  chownSync(foreign, 65534, 65534);
  t.throws(() => ensurePrivateDir(foreign), { message: /owned by uid 65534/ });
  t.same(readdirSync(foreign), []);
  const loose = join(root, 'loose');
  mkdirSync(loose);
  chmodSync(loose, 0o777);
  ensurePrivateDir(loose);
  t.equal(statSync(loose).mode & 0o777, 0o700);
  t.throws(() => ensurePrivateDir('relative/dir'), { message: /absolute/ });
});

t.test('a symlink planted in place of the lock file is not followed: its target is untouched', async (t) => {
  const dir = join(root, 'locks');
  mkdirSync(dir, { mode: 0o700 });
  const inv = join(root, 'inv.yaml');
  const target = join(root, 'precious');
  writeFileSync(target, 'do not touch\n');
  symlinkSync(target, lockPathFor(inv, dir));
  const lock = acquireLock(inv, { dir });
  t.notOk(lstatSync(lock.path).isSymbolicLink(), 'the lock is a regular file of ours');
  t.equal(readFileSync(target, 'utf8'), 'do not touch\n');
  lock.release();
  t.equal(readFileSync(target, 'utf8'), 'do not touch\n', 'release removes our file, not the target');
  t.ok(existsSync(target));
});

t.test('a lock whose pid now belongs to another process (recycled) is stale', async (t) => {
  const dir = join(root, 'recycled');
  mkdirSync(dir, { mode: 0o700 });
  const inv = join(root, 'inv.yaml');
  // Our own pid, alive, but with a start time that is not ours: another process wrote it.
  writeFileSync(lockPathFor(inv, dir), `${process.pid}\n${inv}\nprovision install\n1\nelsewhere\n`);
  const lock = acquireLock(inv, { dir });
  t.match(readFileSync(lock.path, 'utf8'), new RegExp(`^${process.pid}\\n`));
  t.throws(() => acquireLock(inv, { dir }), { name: 'LockError', message: /another run \(pid \d+/ }, 'while held: exit 5');
  lock.release();
});
