/**
 * copy against a host whose file system holds traps (the attacker's scripts): a reader who
 * opens the temp file the moment it exists, a link planted at the predictable backup name,
 * a sudo prompt that ate the first line of the content, a directory another user can write
 * to. A wrapper `cat` early in PATH sees the temp file exactly when the shell created it.
 */
import t from 'tap';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, lstatSync, chownSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { copy } from '../../../tasks/builtin/copy.ts';
import { backupPath } from '../../../tasks/lib/temp-path.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

const isRoot = process.getuid?.() === 0;

/** Put a `cat` in front of PATH for one test: `script` runs first, then the real cat. */
function wrapCat(t: { teardown(fn: () => void): void }, dir: string, script: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'cat'), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  const saved = process.env.PATH;
  process.env.PATH = `${bin}:${saved}`;
  t.teardown(() => void (process.env.PATH = saved));
  return bin;
}

t.test('the temp file is 0600 from the moment it exists, the final mode set after', async (t) => {
  const dir = t.testdir({ dest: {} });
  const record = join(dir, 'modes');
  wrapCat(t, dir, `stat -L -c %a /proc/$$/fd/1 >> ${record}; exec /bin/cat "$@"`);
  const res = await copy.run({ dest: join(dir, 'dest', 'secret'), content: 'k3s-token-value\n', mode: '0600' }, createTestHostContext());
  t.equal(res.failed, false, res.msg);
  t.equal(readFileSync(record, 'utf8').trim(), '600', 'never readable by others while it is written');
  const plain = await copy.run({ dest: join(dir, 'dest', 'plain'), content: 'x\n' }, createTestHostContext());
  t.equal(plain.failed, false, plain.msg);
  t.equal(lstatSync(join(dir, 'dest', 'plain')).mode & 0o777, 0o644, 'a new file without mode still ends 0644');
});

t.test('content altered on its way (a sudo prompt ate the first line) is caught before the rename', async (t) => {
  const dir = t.testdir({ 'config.yaml': 'old\n' });
  wrapCat(t, dir, 'read -r _eaten; exec /bin/cat "$@"');
  const dest = join(dir, 'config.yaml');
  const res = await copy.run({ dest, content: 'first line\nsecond line\n' }, createTestHostContext());
  t.equal(res.failed, true);
  t.match(res.msg, /is not what was sent \(sha256 differs\); not replacing the destination/);
  t.equal(readFileSync(dest, 'utf8'), 'old\n', 'the destination is untouched');
});

t.test('a link planted at the backup name is replaced, never written through', async (t) => {
  const dir = t.testdir({ 'victim': 'precious\n', 'app.conf': 'v1\n' });
  const dest = join(dir, 'app.conf');
  // The backup name is predictable (Ansible's timestamp): plant links for the next minute.
  const now = Date.now();
  for (let s = 0; s < 60; s++) symlinkSync(join(dir, 'victim'), backupPath(dest, new Date(now + s * 1000)));
  const res = await copy.run({ dest, content: 'v2\n', backup: true }, createTestHostContext());
  t.equal(res.failed, false, res.msg);
  t.equal(readFileSync(join(dir, 'victim'), 'utf8'), 'precious\n', 'the link target is untouched');
  const backup = String(res.data?.backup_file);
  t.ok(lstatSync(backup).isFile(), 'the backup is a regular file now');
  t.equal(readFileSync(backup, 'utf8'), 'v1\n');
});

t.test('as root, a destination in a directory another user can write to is refused', { skip: isRoot ? false : 'needs root' }, async (t) => {
  const dir = t.testdir();
  const shared = join(dir, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const res = await copy.run({ dest: join(shared, 'x'), content: 'x\n' }, createTestHostContext());
  t.match(res, { failed: true, msg: /refusing to write .* as root: .* is writable by a user other than root/ });
  const owned = join(dir, 'owned');
  mkdirSync(owned);
  chownSync(owned, 65534, 65534);
  const other = await copy.run({ dest: join(owned, 'x'), content: 'x\n' }, createTestHostContext());
  t.match(other, { failed: true, msg: /writable by a user other than root/ });
  t.notOk(existsSync(join(shared, 'x')) || existsSync(join(owned, 'x')), 'nothing written');
});
