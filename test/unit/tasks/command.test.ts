import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { command } from '../../../tasks/builtin/command.ts';
import { parseExists } from '../../../tasks/builtin/guarded-command.ts';
import { assertConverges } from '../../helpers/converge.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

t.test('runs words without a shell and registers the output', async (t) => {
  const dir = t.testdir();
  const ctx = createTestHostContext();
  const res = await command.run({ cmd: `printf '%s|%s\\n' "$HOME" 'a;b' FOO=bar`, chdir: dir }, ctx);
  t.equal(res.changed, true);
  t.equal(res.failed, false);
  t.match(res.data, { rc: 0, stdout: '$HOME|a;b\nFOO=bar|', stderr: '', stdout_lines: ['$HOME|a;b', 'FOO=bar|'], stderr_lines: [] });
  t.equal(ctx.changes().length, 1);
});

t.test('argv words are passed exactly, shell keywords and assignments included', async (t) => {
  const dir = t.testdir();
  const ctx = createTestHostContext();
  const res = await command.run({ argv: ['touch', '$(touch pwned)', 'new\nline'], chdir: dir }, ctx);
  t.equal(res.failed, false, res.msg);
  t.ok(existsSync(join(dir, '$(touch pwned)')));
  t.ok(existsSync(join(dir, 'new\nline')));
  t.notOk(existsSync(join(dir, 'pwned')), 'nothing was expanded');
  const keyword = await command.run({ argv: ['if', 'true'] }, createTestHostContext());
  t.equal(keyword.failed, true, '"if" is looked up as a program, not a shell keyword');
  t.equal((keyword.data as { rc: number }).rc, 127);
});

t.test('a non-zero exit fails and still reports what ran', async (t) => {
  const res = await command.run({ argv: ['sh', '-c', 'echo oops >&2; exit 3'] }, createTestHostContext());
  t.equal(res.failed, true);
  t.equal(res.changed, true);
  t.match(res.msg, /non-zero return code 3: oops/);
  t.match(res.data, { rc: 3, stderr: 'oops', stderr_lines: ['oops'] });
});

t.test('stdin is fed, with a newline unless told otherwise', async (t) => {
  const withNewline = await command.run({ argv: ['od', '-An', '-c'], stdin: 'hi' }, createTestHostContext());
  t.match((withNewline.data as { stdout: string }).stdout, /h\s+i\s+\\n/);
  const without = await command.run({ cmd: 'cat', stdin: 'raw', stdin_add_newline: false }, createTestHostContext());
  t.equal((without.data as { stdout: string }).stdout, 'raw');
});

t.test('creates: converges; the second run does not run the command', async (t) => {
  const dir = t.testdir();
  const marker = join(dir, 'done marker');
  const runs = await assertConverges(t, command, { argv: ['sh', '-c', 'echo ran >> log; touch "done marker"'], chdir: dir, creates: 'done marker' }, dir);
  t.equal(await readFile(join(dir, 'log'), 'utf8'), 'ran\n', 'ran exactly once');
  t.ok(existsSync(marker));
  t.match(runs.second.msg, /Did not run command since 'done marker' exists/);
});

t.test('removes: runs only while the path exists', async (t) => {
  const dir = t.testdir();
  const flag = join(dir, "restart 'needed'");
  await writeFile(flag, '');
  const runs = await assertConverges(t, command, { argv: ['rm', '--', flag], removes: flag }, dir);
  t.notOk(existsSync(flag));
  t.match(runs.second.msg, /does not exist/);
});

t.test('check mode without creates/removes is skipped and runs nothing', async (t) => {
  const dir = t.testdir();
  const ctx = createTestHostContext({ check: true });
  const res = await command.run({ argv: ['touch', join(dir, 'x')] }, ctx);
  t.equal(res.skipped, true);
  t.equal(res.changed, false);
  t.equal(ctx.commands.length, 0);
  t.notOk(existsSync(join(dir, 'x')));
});

t.test('bad input fails with a message', async (t) => {
  t.match(await command.run({ cmd: `echo 'open` }, createTestHostContext()), { failed: true, msg: /unterminated single quote/ });
  t.match(await command.run({ cmd: '   ' }, createTestHostContext()), { failed: true, msg: 'no command given' });
  const missingDir = await command.run({ cmd: 'true', chdir: '/nonexistent/dir', creates: 'x' }, createTestHostContext()).catch((e: Error) => e);
  t.match(missingDir, { message: /cannot check path \(exit 2\)/ });
});

t.test('parseExists reads yes/no and refuses anything else', async (t) => {
  t.equal(parseExists({ exitCode: 0, stdout: 'yes\n', stderr: '' }), true);
  t.equal(parseExists({ exitCode: 0, stdout: 'no\n', stderr: '' }), false);
  t.throws(() => parseExists({ exitCode: 2, stdout: '', stderr: 'cd: no such dir' }), /cd: no such dir/);
});
