import { lstat, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { sh } from '../../../src/connection/quote.ts';
import { CheckModeViolation } from '../../../src/module/task.ts';
import { checkOrApply, type ChangePlan } from '../../../tasks/lib/apply.ts';
import { atomically, replaceByFile, replaceByLinks } from '../../../tasks/lib/atomic.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

const tempDir = async (t: { testdir(): string }): Promise<string> => t.testdir();

const plan = (dir: string, commands: string[]): ChangePlan => ({
  action: `touch ${dir}/x`,
  done: `touched ${dir}/x`,
  diff: { before: '', after: 'x\n' },
  data: { path: `${dir}/x` },
  commands,
});

t.test('check mode reports the plan and runs nothing', async (t) => {
  const dir = await tempDir(t);
  const ctx = createTestHostContext({ check: true });
  const res = await checkOrApply(ctx, plan(dir, [sh`touch -- ${join(dir, 'x')}`]));
  t.match(res, { changed: true, failed: false, msg: `would touch ${dir}/x`, diff: { after: 'x\n' }, data: { path: `${dir}/x` } });
  t.same(ctx.changes(), [], 'no changing command ran');
  await t.rejects(lstat(join(dir, 'x')), { code: 'ENOENT' });
});

t.test('a real run applies the commands as one set -e script', async (t) => {
  const dir = await tempDir(t);
  const ctx = createTestHostContext();
  const res = await checkOrApply(ctx, plan(dir, [sh`touch -- ${join(dir, 'x')}`, sh`echo made > ${join(dir, 'y')}`]));
  t.match(res, { changed: true, failed: false, msg: `touched ${dir}/x`, data: { path: `${dir}/x` } });
  t.equal(ctx.changes().length, 1, 'one script');
  t.match(ctx.changes()[0], { command: /^set -e\n/, exitCode: 0 });
  t.equal(await readFile(join(dir, 'y'), 'utf8'), 'made\n');
});

t.test('a failing step stops the rest and becomes the message', async (t) => {
  const dir = await tempDir(t);
  const ctx = createTestHostContext();
  const res = await checkOrApply(ctx, {
    ...plan(dir, ['echo broken >&2; false', sh`touch -- ${join(dir, 'x')}`]),
    failureData: { path: null },
  });
  t.match(res, { changed: false, failed: true, msg: `cannot touch ${dir}/x: broken`, data: { path: null } });
  await t.rejects(lstat(join(dir, 'x')), { code: 'ENOENT' }, 'the step after the failure did not run');
});

t.test('failure prefix, explanation, data on success, changed on failure', async (t) => {
  const dir = await tempDir(t);
  const ctx = createTestHostContext();
  const failedRun = await checkOrApply(ctx, {
    ...plan(dir, []),
    command: 'exit 7',
    failure: 'it went wrong',
    explain: (r) => `code ${r.exitCode}`,
    changedOnFailure: true,
  });
  t.match(failedRun, { changed: true, failed: true, msg: 'it went wrong: code 7' });
  t.equal(ctx.changes()[0].command, 'exit 7', 'a single command runs exactly as given');
  const ok = await checkOrApply(ctx, { ...plan(dir, ['true']), doneData: { extra: 1 } });
  t.same(ok.data, { extra: 1 });
  const quiet = await checkOrApply(ctx, { ...plan(dir, ['echo out; exit 3']) });
  t.equal(quiet.msg, `cannot touch ${dir}/x: out`, 'stdout when stderr is empty');
  const silent = await checkOrApply(ctx, { ...plan(dir, ['exit 3']) });
  t.equal(silent.msg, `cannot touch ${dir}/x: exit code 3`);
});

t.test('the context refuses a change in check mode even outside the helper', async (t) => {
  const ctx = createTestHostContext({ check: true });
  const err = await ctx.change('true').catch((e: unknown) => e);
  t.ok(err instanceof CheckModeViolation, 'CheckModeViolation');
  t.match(String(err), /testhost: a changing command ran in check mode: true/);
  t.same(ctx.commands, [], 'a refused command is not recorded');
});

t.test('replaceByLinks: each name is renamed over, temps are cleaned up', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'a'), 'regular file');
  await symlink('old', join(dir, 'b'));
  const ctx = createTestHostContext();
  const res = await checkOrApply(ctx, {
    ...plan(dir, atomically(replaceByLinks([{ path: join(dir, 'a'), target: 'new-a' }, { path: join(dir, 'b'), target: '/abs/b' }, { path: join(dir, 'c'), target: 'c2' }]))),
  });
  t.equal(res.failed, false, res.msg);
  t.equal(await readlink(join(dir, 'a')), 'new-a');
  t.equal(await readlink(join(dir, 'b')), '/abs/b');
  t.equal(await readlink(join(dir, 'c')), 'c2', 'a missing name is created');
  t.same((await readdir(dir)).sort(), ['a', 'b', 'c'], 'no temp link is left');
});

t.test('replaceByFile: stdin becomes the file, prepared before the rename; a failure leaves the old file and no temp', async (t) => {
  const dir = await tempDir(t);
  const dest = join(dir, 'f');
  await symlink(join(dir, 'elsewhere'), dest);
  await writeFile(join(dir, 'elsewhere'), 'target of the old link\n');
  const ctx = createTestHostContext();
  const good = replaceByFile(dest, { purpose: 'test', prepare: (tmp) => [sh`chmod 0600 -- ${tmp}`] });
  const res = await checkOrApply(ctx, { ...plan(dir, atomically(good)), stdin: 'new content\n' });
  t.equal(res.failed, false, res.msg);
  t.equal(await readFile(dest, 'utf8'), 'new content\n');
  t.equal((await lstat(dest)).mode & 0o777, 0o600);
  t.equal(await readFile(join(dir, 'elsewhere'), 'utf8'), 'target of the old link\n', 'the link was replaced, not written through');

  const bad = replaceByFile(dest, { purpose: 'test', beforeRename: ['echo refused >&2; exit 1'] });
  const failedRun = await checkOrApply(ctx, { ...plan(dir, atomically(bad)), stdin: 'never\n' });
  t.match(failedRun, { failed: true, msg: /refused/ });
  t.equal(await readFile(dest, 'utf8'), 'new content\n', 'the old file stays whole');
  t.same((await readdir(dir)).sort(), ['elsewhere', 'f'], 'the temp file was removed on exit');
});
