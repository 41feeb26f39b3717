import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stat } from '../../../tasks/builtin/stat.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

/** The name the system's user or group database gives an id (whoever runs the tests). */
const nameOf = (db: 'passwd' | 'group', id: number): string =>
  execFileSync('getent', [db, String(id)], { encoding: 'utf8' }).split(':')[0];

const HOSTILE = ['a b', "it's", '$(touch pwned)', 'new\nline', '-dash', '`id`'];

t.test('reports a regular file with mode, ids, size and sha256', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'cfg');
  await writeFile(path, 'content\n');
  await chmod(path, 0o640);
  const ctx = createTestHostContext();
  const res = await stat.run({ path }, ctx);
  const real = await lstat(path);
  t.equal(res.changed, false);
  t.equal(res.failed, false);
  t.same(res.data?.stat, {
    exists: true,
    isreg: true,
    isdir: false,
    islnk: false,
    issock: false,
    mode: '0640',
    uid: real.uid,
    gid: real.gid,
    owner: nameOf('passwd', real.uid),
    group: nameOf('group', real.gid),
    size: 8,
    mtime: Math.floor(real.mtimeMs / 1000),
    checksum: createHash('sha256').update('content\n').digest('hex'),
  });
  t.equal(ctx.changes().length, 0, 'read-only');
});

t.test('links, follow, directories, absence, checksum off', async (t) => {
  const dir = t.testdir({ 'target file': 'x' });
  await symlink('target file', join(dir, 'link'));
  await mkdir(join(dir, 'd'));
  const ctx = createTestHostContext();
  t.match((await stat.run({ path: join(dir, 'link') }, ctx)).data?.stat, { islnk: true, isreg: false, lnk_target: 'target file' });
  t.match((await stat.run({ path: join(dir, 'link'), follow: true }, ctx)).data?.stat, { islnk: false, isreg: true, size: 1 });
  t.match((await stat.run({ path: join(dir, 'd') }, ctx)).data?.stat, { isdir: true });
  t.same((await stat.run({ path: join(dir, 'nope') }, ctx)).data?.stat, { exists: false });
  const noSum = await stat.run({ path: join(dir, 'target file'), checksum: false }, ctx);
  t.notOk('checksum' in (noSum.data?.stat as object));
  t.equal(ctx.changes().length, 0);
});

t.test('reports unix sockets', async (t) => {
  const dir = t.testdir();
  const { createServer } = await import('node:net');
  const path = join(dir, 'multus.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.match((await stat.run({ path }, createTestHostContext())).data?.stat, { exists: true, issock: true, isreg: false });
});

t.test('hostile file names are one literal path', async (t) => {
  const dir = t.testdir();
  for (const name of HOSTILE) {
    await writeFile(join(dir, name), name);
    const res = await stat.run({ path: join(dir, name) }, createTestHostContext());
    t.match(res.data?.stat, { exists: true, isreg: true, size: Buffer.byteLength(name) }, JSON.stringify(name));
  }
  t.same((await stat.run({ path: join(dir, 'pwned') }, createTestHostContext())).data?.stat, { exists: false });
});
