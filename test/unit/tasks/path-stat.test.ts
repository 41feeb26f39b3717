import t from 'tap';
import { mkdir, symlink, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalConnection } from '../../../src/connection/local.ts';
import { describeKind, parseStat, statCommand } from '../../../tasks/lib/path-stat.ts';

const res = (stdout: string, exitCode = 0, stderr = '') => ({ exitCode, stdout, stderr });

t.test('parses a recorded regular file with checksum', async (t) => {
  const st = parseStat(
    res('present\n81a0 0 0 6 1795887136 root root\n5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  -\n'),
  );
  t.same(st, {
    exists: true,
    isreg: true,
    isdir: false,
    islnk: false,
    issock: false,
    mode: '0640',
    uid: 0,
    gid: 0,
    owner: 'root',
    group: 'root',
    size: 6,
    mtime: 1795887136,
    checksum: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
  });
});

t.test('parses a recorded symlink whose target contains a newline', async (t) => {
  const st = parseStat(res('present\na1ff 0 0 7 1795887136 root root\n-\ntarget:\ntar\nget\n'));
  t.match(st, { exists: true, islnk: true, isreg: false, mode: '0777', lnk_target: 'tar\nget' });
  t.notOk('checksum' in st);
});

t.test('parses a recorded directory, socket, setuid file and absence', async (t) => {
  t.match(parseStat(res('present\n41ed 0 0 4096 1795887136 root root\n-\n')), { isdir: true, mode: '0755' });
  t.match(parseStat(res('present\nc1ed 1000 1000 0 1795887136 alice staff\n-\n')), {
    issock: true,
    uid: 1000,
    owner: 'alice',
    group: 'staff',
  });
  t.match(parseStat(res('present\n89ed 0 0 10 1 root root\n-\n')), { isreg: true, mode: '4755' });
  t.same(parseStat(res('absent\n')), { exists: false });
  t.equal(describeKind({ exists: false }), 'absent');
});

t.test('a failing or garbled stat is an error, not "absent"', async (t) => {
  t.throws(() => parseStat(res('', 1, 'stat: cannot stat')), /stat failed \(exit 1\): stat: cannot stat/);
  t.throws(() => parseStat(res('present\nnonsense\n')), /unexpected stat line/);
  t.throws(() => parseStat(res('hello\n')), /unexpected stat output/);
});

t.test('the command describes hostile names on the real file system', async (t) => {
  const dir = t.testdir();
  const conn = new LocalConnection('local');
  const names = ['a b', "it's", '$(touch pwned)', 'new\nline', '-dash', '`id`', '*'];
  for (const name of names) {
    const path = join(dir, name);
    await writeFile(path, name);
    await chmod(path, 0o604);
    const st = parseStat(await conn.exec(statCommand(path, { checksum: true })));
    t.match(st, { exists: true, isreg: true, mode: '0604', size: Buffer.byteLength(name) }, name);
  }
  await mkdir(join(dir, 'sub dir'));
  await symlink('sub dir', join(dir, 'link "x"'));
  const link = parseStat(await conn.exec(statCommand(join(dir, 'link "x"'))));
  t.match(link, { islnk: true, lnk_target: 'sub dir' });
  const followed = parseStat(await conn.exec(statCommand(join(dir, 'link "x"'), { follow: true })));
  t.match(followed, { islnk: false, isdir: true });
  t.notOk('lnk_target' in followed);
  t.same(parseStat(await conn.exec(statCommand(join(dir, 'pwned')))), { exists: false }, 'no command substitution ran');
});
