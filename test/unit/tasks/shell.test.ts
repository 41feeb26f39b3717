import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shell } from '../../../tasks/builtin/shell.ts';
import { assertConverges } from '../../helpers/converge.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

t.test('pipes, variables and redirections work through the shell', async (t) => {
  const dir = t.testdir();
  const res = await shell.run({ cmd: 'X=7; printf "a\\nb\\n" | wc -l; echo "$X" > out', chdir: dir }, createTestHostContext());
  t.equal(res.failed, false, res.msg);
  t.equal((res.data as { stdout: string }).stdout.trim(), '2');
  t.equal(await readFile(join(dir, 'out'), 'utf8'), '7\n');
});

t.test('executable chooses the shell', async (t) => {
  const res = await shell.run({ cmd: 'echo "$0"', executable: '/bin/bash' }, createTestHostContext());
  t.equal((res.data as { stdout: string }).stdout, '/bin/bash');
});

t.test('failures carry rc and stderr', async (t) => {
  const res = await shell.run({ cmd: 'echo bad >&2; exit 5' }, createTestHostContext());
  t.match(res, { failed: true, data: { rc: 5, stderr: 'bad' } });
});

t.test('creates: converges', async (t) => {
  const dir = t.testdir();
  await assertConverges(t, shell, { cmd: "echo once >> log && touch 'a b $(c)'", chdir: dir, creates: 'a b $(c)' }, dir);
  t.equal(await readFile(join(dir, 'log'), 'utf8'), 'once\n');
  t.ok(existsSync(join(dir, 'a b $(c)')));
});

t.test('check mode without guards is skipped', async (t) => {
  const ctx = createTestHostContext({ check: true });
  const res = await shell.run({ cmd: 'exit 1' }, ctx);
  t.equal(res.skipped, true);
  t.equal(ctx.commands.length, 0);
});
