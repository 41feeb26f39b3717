import t from 'tap';
import { createServer } from 'node:net';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InterruptedError } from '../../../src/errors.ts';
import { parseProbe, waitFor } from '../../../tasks/builtin/wait-for.ts';
import { createTestHostContext } from '../../helpers/host-context.ts';

t.test('present: succeeds once the file appears, with progress on the way', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'ready flag');
  setTimeout(() => void writeFile(path, ''), 300);
  const ctx = createTestHostContext();
  const res = await waitFor.run({ path, timeout: 5, sleep: 0.1 }, ctx);
  t.match(res, { failed: false, changed: false, msg: new RegExp(`${path} to be present after`) });
  t.ok(ctx.progressMessages.length > 0, 'progress was reported');
  t.match(ctx.progressMessages[0], /^waiting for .*ready flag to be present: \d+s\/5s$/);
  t.equal(ctx.changes().length, 0);
});

t.test('absent and socket', async (t) => {
  const dir = t.testdir({ '00-multus.conf': '{}' });
  const conf = join(dir, '00-multus.conf');
  setTimeout(() => void rm(conf), 200);
  t.match(await waitFor.run({ path: conf, state: 'absent', timeout: 5, sleep: 0.05 }, createTestHostContext()), { failed: false });

  const sock = join(dir, 'multus.sock');
  await writeFile(join(dir, 'plain'), '');
  const notSocket = await waitFor.run({ path: join(dir, 'plain'), state: 'socket', timeout: 0.3, sleep: 0.1 }, createTestHostContext());
  t.match(notSocket, { failed: true }, 'a regular file is not a socket');
  const server = createServer();
  setTimeout(() => server.listen(sock), 200);
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.match(await waitFor.run({ path: sock, state: 'socket', timeout: 5, sleep: 0.05 }, createTestHostContext()), { failed: false });
});

t.test('timeout fails naming the path and the state', async (t) => {
  const dir = t.testdir();
  const path = join(dir, 'multus.sock');
  const started = Date.now();
  const res = await waitFor.run({ path, state: 'socket', timeout: 0.5, sleep: 0.1 }, createTestHostContext());
  t.match(res, { failed: true, msg: `Timeout after 0.5s waiting for ${path} to be a socket`, data: { path, state: 'socket' } });
  const took = Date.now() - started;
  t.ok(took >= 450, `not before the timeout (${took} ms)`);
});

t.test('interruption stops the wait at once', async (t) => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const started = Date.now();
  const err = await waitFor
    .run({ path: '/nonexistent/x', timeout: 60, sleep: 10 }, createTestHostContext({ signal: controller.signal }))
    .catch((e: unknown) => e);
  t.ok(err instanceof InterruptedError, 'throws InterruptedError');
  t.ok(Date.now() - started < 2000, 'did not wait for the sleep or the timeout');
});

t.test('probe parser', async (t) => {
  t.equal(parseProbe({ exitCode: 0, stdout: 'yes\n', stderr: '' }), 'yes');
  t.equal(parseProbe({ exitCode: 0, stdout: 'no\n', stderr: '' }), 'no');
  t.throws(() => parseProbe({ exitCode: 126, stdout: '', stderr: 'denied' }), /probe failed \(exit 126\): denied/);
});
