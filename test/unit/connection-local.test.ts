import t from 'tap';
import { LocalConnection } from '../../src/connection/local.ts';
import { InterruptedError } from '../../src/errors.ts';

t.test('a command that exits without reading its stdin is a result, not a crash', async (t) => {
  const conn = new LocalConnection('local');
  // Far more than a pipe buffer: the write is still going on when the command has exited.
  const big = Buffer.alloc(8 * 1024 * 1024, 'x');
  for (let i = 0; i < 5; i++) {
    const res = await conn.exec('echo "error: boom" >&2; exit 3', { stdin: big });
    t.equal(res.exitCode, 3, `exit code kept (run ${i + 1})`);
    t.equal(res.stderr, 'error: boom\n');
  }
  const read = await conn.exec('wc -c', { stdin: big });
  t.equal(read.stdout.trim(), String(big.length), 'a command that reads gets all of it');
});

t.test('an interrupted command is an InterruptedError, as on ssh', async (t) => {
  const conn = new LocalConnection('local');
  const controller = new AbortController();
  const running = conn.exec('echo started; exec sleep 30', { signal: controller.signal }).catch((e: unknown) => e);
  const aborted = setTimeout(() => controller.abort(), 200);
  t.teardown(() => clearTimeout(aborted));
  const err = await running;
  t.ok(err instanceof InterruptedError, String(err));
  t.match(err, { exitCode: 130 });
});
