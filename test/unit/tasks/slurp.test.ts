import t from 'tap';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseReadFile } from '../../../tasks/lib/read-file.ts';
import { slurp, SLURP_LIMIT } from '../../../tasks/builtin/slurp.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

const res = (stdout: string, exitCode = 0, stderr = '') => ({ exitCode, stdout, stderr });

t.test('parser: recorded outputs', async (t) => {
  t.same(parseReadFile(res('missing\n')), { kind: 'missing' });
  t.same(parseReadFile(res('not-a-file\n')), { kind: 'not-a-file' });
  t.same(parseReadFile(res('too-large 2097152\n')), { kind: 'too-large', size: 2097152 });
  // GNU base64 wraps at 76 columns; the line breaks are not content.
  const wrapped = 'content\n' + 'QUFB'.repeat(19) + '\n' + 'QUFB\n';
  t.same(parseReadFile(res(wrapped)), { kind: 'content', content: Buffer.from('A'.repeat(60)) });
  t.same(parseReadFile(res('content\n')), { kind: 'content', content: Buffer.alloc(0) }, 'empty file');
  t.throws(() => parseReadFile(res('content\n%%%\n')), /not valid base64/);
  t.throws(() => parseReadFile(res('', 1, 'Permission denied')), /Permission denied/);
  t.throws(() => parseReadFile(res('hello')), /unexpected output/);
});

t.test('reads text and binary files base64-encoded', async (t) => {
  const dir = t.testdir();
  const bytes = Buffer.from([0, 255, 10, 13, 39, 36]);
  const path = join(dir, "subnet 'env'");
  await writeFile(path, bytes);
  const ctx = createTestHostContext();
  const out = await slurp.run({ src: path }, ctx);
  t.equal(out.failed, false);
  t.equal(out.changed, false);
  t.same(out.data, { content: bytes.toString('base64'), encoding: 'base64', source: path });
  t.equal(ctx.changes().length, 0);
});

t.test('missing, directory and too large are clear failures', async (t) => {
  const dir = t.testdir();
  await mkdir(join(dir, 'd'));
  await writeFile(join(dir, 'big'), Buffer.alloc(SLURP_LIMIT + 1));
  const ctx = createTestHostContext();
  t.match(await slurp.run({ src: join(dir, 'nope') }, ctx), { failed: true, msg: `file not found: ${join(dir, 'nope')}` });
  t.match(await slurp.run({ src: join(dir, 'd') }, ctx), { failed: true, msg: /not a regular file/ });
  t.match(await slurp.run({ src: join(dir, 'big') }, ctx), { failed: true, msg: /1048577 bytes, over the slurp limit/ });
});
