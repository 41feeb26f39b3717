import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, stat as fsStat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { copy } from '../../../tasks/builtin/copy.ts';
import { assertConverges } from '../../helpers/converge.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';
import { watchPath } from '../../helpers/path-watcher.ts';

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const modeOf = async (p: string): Promise<number> => (await fsStat(p)).mode & 0o7777;

t.test('content: converges, with mode and checksum', async (t) => {
  const dir = t.testdir();
  const dest = join(dir, 'daemon-config.json');
  const runs = await assertConverges(t, copy, { dest, content: '{"a":1}\n', mode: '0640' }, dir);
  t.equal(await readFile(dest, 'utf8'), '{"a":1}\n');
  t.equal(await modeOf(dest), 0o640);
  t.same(runs.second.data, { checksum: sha('{"a":1}\n'), dest });
  t.same(await readdir(dir), ['daemon-config.json'], 'no temp file left behind');
});

t.test('src: resolved against the playbook dir; a directory dest receives the file by name', async (t) => {
  const dir = t.testdir({ play: { files: { 'manifest.yml': 'kind: DaemonSet\n' } }, out: {} });
  const opts = { playbookDir: join(dir, 'play') };
  await assertConverges(t, copy, { src: 'files/manifest.yml', dest: join(dir, 'out') }, join(dir, 'out'), opts);
  t.equal(await readFile(join(dir, 'out', 'manifest.yml'), 'utf8'), 'kind: DaemonSet\n');
  t.match(await copy.run({ src: 'nope.yml', dest: join(dir, 'x') }, createTestHostContext(opts)), { failed: true, msg: /could not find src=/ });
  t.match(await copy.run({ src: 'files', dest: join(dir, 'x') }, createTestHostContext(opts)), { failed: true, msg: /not a regular file/ });
  t.match(await copy.run({ content: 'x', dest: join(dir, 'out') }, createTestHostContext()), { failed: true, msg: /is a directory/ });
});

t.test('binary src files arrive byte for byte', async (t) => {
  const dir = t.testdir({ play: {}, out: {} });
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await writeFile(join(dir, 'play', 'multus-shim'), bytes);
  const dest = join(dir, 'out', 'multus-shim');
  await assertConverges(t, copy, { src: 'multus-shim', dest, mode: '0755' }, join(dir, 'out'), { playbookDir: join(dir, 'play') });
  t.same(await readFile(dest), bytes);
  t.equal(await modeOf(dest), 0o755);
});

t.test('changed content: diff shows before and after text; mode of the old file is kept', async (t) => {
  const dir = t.testdir({ 'conf': 'old line\n' });
  const dest = join(dir, 'conf');
  await chmod(dest, 0o604);
  const runs = await assertConverges(t, copy, { dest, content: 'new line\n' }, dir, { diff: true });
  t.same(runs.first.diff, { before: 'old line\n', after: 'new line\n' });
  t.equal(await modeOf(dest), 0o604, 'mode preserved without a mode argument');
  const quiet = await copy.run({ dest, content: 'third\n' }, createTestHostContext({ check: true }));
  t.same(quiet.diff, { before: `sha256: ${sha('new line\n')}\n`, after: `sha256: ${sha('third\n')}\n` }, 'without --diff: checksums only');
});

t.test('only the mode differs: set in place, diff names the mode', async (t) => {
  const dir = t.testdir({ 'conf': 'same\n' });
  const dest = join(dir, 'conf');
  await chmod(dest, 0o644);
  const inode = (await fsStat(dest)).ino;
  const runs = await assertConverges(t, copy, { dest, content: 'same\n', mode: '0600', owner: 'root' }, dir);
  t.same(runs.first.diff, { before: 'mode: 0644\n', after: 'mode: 0600\n' });
  t.equal((await fsStat(dest)).ino, inode, 'same file, not rewritten');
  t.equal(await modeOf(dest), 0o600);
});

t.test('a symlink at dest is replaced; its old target stays byte-identical', async (t) => {
  const dir = t.testdir({ bin: { cni: 'MULTICALL BINARY \u0000\u0001' } });
  const target = join(dir, 'bin', 'cni');
  const dest = join(dir, 'host-local');
  await symlink(target, dest);
  const before = await readFile(target);
  await assertConverges(t, copy, { dest, content: 'reference plugin\n', mode: '0755' }, dir);
  t.ok((await lstat(dest)).isFile(), 'dest is now a regular file');
  t.equal(await readFile(dest, 'utf8'), 'reference plugin\n');
  t.same(await readFile(target), before, 'no write-through to the link target');
  t.equal(sha(await readFile(target)), sha(before));
});

t.test('replacing a link or a file: dest never disappears', async (t) => {
  const dir = t.testdir({ cni: 'multicall' });
  const dest = join(dir, 'host-local');
  await symlink(join(dir, 'cni'), dest);
  const watcher = watchPath(dest, join(dir, 'stop'));
  for (let i = 0; i < 20; i++) {
    const res = await copy.run({ dest, content: `version ${i}\n` }, createTestHostContext());
    t.equal(res.changed, true);
  }
  const seen = await watcher.stop();
  t.equal(seen.missing, 0, 'the watcher never found dest missing');
  t.ok(seen.checks > 500, `the watcher really looked (${seen.checks} checks)`);
  t.equal(await readFile(join(dir, 'cni'), 'utf8'), 'multicall');
});

t.test('a symlink to a directory at dest is replaced, not entered', async (t) => {
  const dir = t.testdir({ realdir: {} });
  const dest = join(dir, 'link');
  await symlink(join(dir, 'realdir'), dest);
  await assertConverges(t, copy, { dest, content: 'x' }, dir);
  t.ok((await lstat(dest)).isFile());
  t.same(await readdir(join(dir, 'realdir')), [], 'nothing written into the linked directory');
});

t.test('backup keeps the replaced file', async (t) => {
  const dir = t.testdir({ conf: 'v1\n' });
  const dest = join(dir, 'conf');
  const res = await copy.run({ dest, content: 'v2\n', backup: true }, createTestHostContext());
  const backup = String(res.data?.backup_file);
  t.match(backup, /conf\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
  t.equal(await readFile(backup, 'utf8'), 'v1\n');
  t.equal(await readFile(dest, 'utf8'), 'v2\n');
});

t.test('large and binary content are summarised in the diff', async (t) => {
  const dir = t.testdir();
  const big = 'x'.repeat(70 * 1024);
  const res = await copy.run({ dest: join(dir, 'big'), content: big }, createTestHostContext({ diff: true, check: true }));
  t.match(res.diff?.after, /… \(truncated, 71680 bytes in total\)\n$/);
  await writeFile(join(dir, 'bin'), Buffer.from([0, 1, 2]));
  const bin = await copy.run({ dest: join(dir, 'bin'), content: 'text' }, createTestHostContext({ diff: true, check: true }));
  t.equal(bin.diff?.before, '(binary content, 3 bytes)\n');
});

t.test('a missing parent directory fails with the reason', async (t) => {
  const dir = t.testdir();
  const res = await copy.run({ dest: join(dir, 'no', 'such', 'file'), content: 'x' }, createTestHostContext());
  t.match(res, { failed: true, msg: /^destination directory .*no\/such does not exist$/ });
  const ctx = createTestHostContext({ check: true });
  const predicted = await copy.run({ dest: join(dir, 'no', 'such', 'file'), content: 'x' }, ctx);
  t.match(predicted, { changed: true, failed: false }, 'check mode predicts the write: an earlier task may create the parent');
  t.same(ctx.changes(), [], 'and changes nothing');
});

t.test('hostile names', async (t) => {
  const dir = t.testdir();
  await mkdir(join(dir, 'sub $(dir)'));
  for (const name of ['a b', "it's", '$(touch pwned)', 'new\nline', '-dash', '`id`']) {
    const dest = join(dir, 'sub $(dir)', name);
    await assertConverges(t, copy, { dest, content: `${name}\n`, mode: '0600' }, dir);
    t.equal(await readFile(dest, 'utf8'), `${name}\n`, JSON.stringify(name));
  }
  t.notOk(existsSync(join(dir, 'pwned')));
  t.notOk(existsSync(join(dir, 'sub $(dir)', 'pwned')));
});
