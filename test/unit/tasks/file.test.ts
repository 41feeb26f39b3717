import t from 'tap';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, stat as fsStat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { file } from '../../../tasks/builtin/file.ts';
import { assertConverges } from '../../helpers/converge.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

const modeOf = async (p: string): Promise<number> => (await fsStat(p)).mode & 0o7777;

t.test('directory: created with parents and mode, then left alone', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'run', 'multus');
  const runs = await assertConverges(t, file, { path, state: 'directory', mode: '0750' }, dir);
  t.ok((await fsStat(path)).isDirectory());
  t.equal(await modeOf(path), 0o750);
  t.same(runs.first.diff, { before: 'state: absent\n', after: 'state: directory\nmode: 0750\n' });
});

t.test('touch: creates an empty file; a second run keeps its timestamps', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'marker');
  await assertConverges(t, file, { path, state: 'touch', mode: '0600' }, dir);
  t.equal(await readFile(path, 'utf8'), '');
  t.equal(await modeOf(path), 0o600);
  const mtime = (await fsStat(path)).mtimeMs;
  await file.run({ path, state: 'touch' }, createTestHostContext());
  t.equal((await fsStat(path)).mtimeMs, mtime, 'an existing file is not touched again');
});

t.test('mode changes: only the mode differs, and the diff shows it', async (t) => {
  const dir = t.testdir({ 'k3s.yaml': 'secret' });
  const path = join(dir, 'k3s.yaml');
  await chmod(path, 0o644);
  const runs = await assertConverges(t, file, { path, mode: '600', owner: 'root', group: '0' }, dir);
  t.equal(await modeOf(path), 0o600);
  t.equal(await readFile(path, 'utf8'), 'secret', 'content untouched');
  t.same(runs.check.diff, { before: 'state: file\nmode: 0644\n', after: 'state: file\nmode: 0600\n' }, 'owner/group already right: not in the diff');
  t.equal(runs.second.msg, `${path} is as wanted`);
});

t.test('absent: removes a tree, and a symlink without touching its target', async (t) => {
  const dir = t.testdir({ tree: { a: 'x', sub: { b: 'y' } }, keep: 'kept' });
  await assertConverges(t, file, { path: join(dir, 'tree'), state: 'absent' }, dir);
  t.notOk(existsSync(join(dir, 'tree')));
  await symlink('keep', join(dir, 'link'));
  await assertConverges(t, file, { path: join(dir, 'link'), state: 'absent' }, dir);
  t.notOk(existsSync(join(dir, 'link')));
  t.equal(await readFile(join(dir, 'keep'), 'utf8'), 'kept');
});

t.test('refuses what it cannot make right', async (t) => {
  const dir = t.testdir({ f: 'x' });
  await mkdir(join(dir, 'd'));
  const ctx = createTestHostContext();
  t.match(await file.run({ path: join(dir, 'missing'), state: 'file' }, ctx), { failed: true, msg: /is absent, cannot continue/ });
  t.match(await file.run({ path: join(dir, 'd'), state: 'file' }, ctx), { failed: true, msg: /is a directory, cannot continue/ });
  t.match(await file.run({ path: join(dir, 'f'), state: 'directory' }, ctx), { failed: true, msg: /is a file, not a directory/ });
  t.match(await file.run({ path: join(dir, 'f'), owner: 'no-such-user-xyz' }, ctx), { failed: true, msg: /cannot update/ });
  t.equal(await readFile(join(dir, 'f'), 'utf8'), 'x');
});

t.test('hostile names', async (t) => {
  const dir = t.testdir();
  for (const name of ['a b', "it's", '$(touch pwned)', 'new\nline', '-dash']) {
    const path = join(dir, name);
    await assertConverges(t, file, { path, state: 'directory', mode: '0700' }, dir);
    t.ok((await lstat(path)).isDirectory(), JSON.stringify(name));
    await assertConverges(t, file, { path, state: 'absent' }, dir);
    t.notOk(existsSync(path));
  }
  t.notOk(existsSync(join(dir, 'pwned')));
});

t.test('symlinks are followed for attributes', async (t) => {
  const dir = t.testdir({ real: 'x' });
  await chmod(join(dir, 'real'), 0o644);
  await symlink('real', join(dir, 'link'));
  await assertConverges(t, file, { path: join(dir, 'link'), mode: '0640' }, dir);
  t.equal(await modeOf(join(dir, 'real')), 0o640);
  t.ok((await lstat(join(dir, 'link'))).isSymbolicLink(), 'the link stays a link');
});
