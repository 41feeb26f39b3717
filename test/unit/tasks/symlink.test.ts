import t from 'tap';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, symlink as fsSymlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sh } from '../../../src/connection/quote.ts';
import { LocalConnection } from '../../../src/connection/local.ts';
import { symlink } from '../../../tasks/builtin/symlink.ts';
import { assertConverges } from '../../helpers/converge.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';
import { watchPath } from '../../helpers/path-watcher.ts';

t.test('creates a link, then leaves it alone', async (t) => {
  const dir = t.testdir({ 'cni': 'multicall' });
  const path = join(dir, 'host-local');
  const runs = await assertConverges(t, symlink, { path, target: join(dir, 'cni') }, dir);
  t.equal(await readlink(path), join(dir, 'cni'));
  t.same(runs.first.data, { before_target: null, target: join(dir, 'cni') });
  t.same(runs.first.diff, { before: `${path}: absent\n`, after: `${path} -> ${join(dir, 'cni')}\n` });
});

t.test('re-points an existing link; targets are stored exactly as given', async (t) => {
  const dir = t.testdir({ data: { old: { cni: 'a' }, new: { cni: 'b' } } });
  const path = join(dir, 'bridge');
  await fsSymlink('data/old/cni', path);
  const runs = await assertConverges(t, symlink, { path, target: 'data/new/cni' }, dir);
  t.equal(await readlink(path), 'data/new/cni');
  t.same(runs.first.data, { before_target: 'data/old/cni', target: 'data/new/cni' });
  t.equal(await readFile(join(dir, 'data/old/cni'), 'utf8'), 'a', 'the old target is untouched');
});

t.test('a link to a directory is replaced, not entered', async (t) => {
  const dir = t.testdir({ olddir: {}, newdir: {} });
  const path = join(dir, 'current');
  await fsSymlink('olddir', path);
  await assertConverges(t, symlink, { path, target: 'newdir' }, dir);
  t.equal(await readlink(path), 'newdir');
  t.same(await readdir(join(dir, 'olddir')), [], 'nothing was created inside the old target');
});

t.test('replacing an existing link: the path never disappears', async (t) => {
  const dir = t.testdir({ a: 'A', b: 'B' });
  const path = join(dir, 'host-local');
  await fsSymlink(join(dir, 'a'), path);
  const watcher = watchPath(path, join(dir, 'stop'));
  for (let i = 0; i < 40; i++) {
    const res = await symlink.run({ path, target: join(dir, i % 2 ? 'a' : 'b') }, createTestHostContext());
    t.equal(res.changed, true);
  }
  const seen = await watcher.stop();
  t.equal(seen.missing, 0, 'the watcher never found the path missing');
  t.ok(seen.checks > 1000, `the watcher really looked (${seen.checks} checks)`);
  t.equal(await readlink(path), join(dir, 'a'));
});

t.test('the watcher does notice a delete-then-create replacement', async (t) => {
  const dir = t.testdir({ a: 'A' });
  const path = join(dir, 'host-local');
  await fsSymlink(join(dir, 'a'), path);
  const watcher = watchPath(path, join(dir, 'stop'));
  await new LocalConnection('local').exec(sh`rm -f ${path}; sleep 0.2; ln -s ${join(dir, 'a')} ${path}`);
  const seen = await watcher.stop();
  t.ok(seen.missing > 0, `the gap was seen (${seen.missing} misses)`);
});

t.test('a regular file needs force, and is then replaced by rename', async (t) => {
  const dir = t.testdir({ 'host-local': 'copied plugin', cni: 'multicall' });
  const path = join(dir, 'host-local');
  const refused = await symlink.run({ path, target: join(dir, 'cni') }, createTestHostContext());
  t.match(refused, { failed: true, msg: /exists and is a file, not a symlink; set force: true/ });
  t.equal(await readFile(path, 'utf8'), 'copied plugin', 'untouched without force');

  await assertConverges(t, symlink, { path, target: join(dir, 'cni'), force: true }, dir);
  t.ok((await lstat(path)).isSymbolicLink());
  t.equal(await readFile(path, 'utf8'), 'multicall');
});

t.test('a directory is never replaced', async (t) => {
  const dir = t.testdir();
  await mkdir(join(dir, 'd'));
  const res = await symlink.run({ path: join(dir, 'd'), target: '/x', force: true }, createTestHostContext());
  t.match(res, { failed: true, msg: /is a directory; refusing/ });
  t.ok((await lstat(join(dir, 'd'))).isDirectory());
});

t.test('a missing parent directory fails with the reason and leaves nothing', async (t) => {
  const dir = t.testdir();
  const res = await symlink.run({ path: join(dir, 'no', 'link'), target: 'x' }, createTestHostContext());
  t.match(res, { failed: true, msg: /cannot link/ });
  t.notOk(existsSync(join(dir, 'no')));
});

t.test('hostile names and targets', async (t) => {
  const dir = t.testdir();
  for (const name of ['a b', "it's", '$(touch pwned)', 'new\nline', '-dash', '`id`']) {
    const path = join(dir, name);
    const target = `-${name} -> target`;
    await assertConverges(t, symlink, { path, target }, dir);
    t.equal(await readlink(path), target, JSON.stringify(name));
  }
  t.notOk(existsSync(join(dir, 'pwned')));
});
