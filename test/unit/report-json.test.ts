import t from 'tap';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { RunEvent } from '../../src/engine/events.ts';
import { createJsonReporter, summarizeRecap } from '../../src/report/json.ts';

const events: RunEvent[] = JSON.parse(
  readFileSync(new URL('../fixtures/report/run-events.json', import.meta.url), 'utf8'),
);

async function render(evs: RunEvent[], secrets: string[] = []): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const reporter = createJsonReporter(out, { secrets: () => secrets, now: () => new Date(Date.UTC(2025, 0, 2, 3, 4, 5)) });
  for (const e of evs) reporter.event(e);
  await reporter.close();
  return text;
}

t.test('one parseable JSON object per event, with type and time first', async (t) => {
  const text = await render(events);
  const lines = text.trimEnd().split('\n');
  t.equal(lines.length, events.length);
  const parsed = lines.map((l) => JSON.parse(l));
  parsed.forEach((obj, i) => {
    t.same(Object.keys(obj).slice(0, 2), ['type', 'time']);
    t.equal(obj.type, events[i].type);
    t.equal(obj.time, '2025-01-02T03:04:05.000Z');
  });
  const delegated = parsed.find((o) => o.type === 'host_result' && o.delegatedTo);
  t.match(delegated, {
    host: 'node1',
    task: 'apply manifest',
    status: 'changed',
    ignored: false,
    delegatedTo: 'node2',
    result: { changed: true, msg: 'daemonset created' },
  });
  const ignored = parsed.find((o) => o.type === 'host_result' && o.ignored);
  t.match(ignored, { host: 'node1', status: 'failed', result: { failed: true, msg: 'no socket yet' } });
});

t.test('the run_end line carries the recap and a summary', async (t) => {
  const last = JSON.parse((await render(events)).trimEnd().split('\n').pop()!);
  t.equal(last.type, 'run_end');
  t.equal(last.check, false);
  t.same(last.recap.node2, { ok: 1, changed: 0, unreachable: 0, failed: 1, skipped: 1, rescued: 0, ignored: 0 });
  t.same(last.summary, { hosts: 3, ok: 5, changed: 3, failed: 1, unreachable: 1, skipped: 1 });
});

t.test('summarizeRecap of an empty recap is all zero', async (t) => {
  t.same(summarizeRecap({}), { hosts: 0, ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0 });
});

t.test('values JSON cannot hold are converted, not thrown on', async (t) => {
  const circular: Record<string, unknown> = { name: 'c' };
  circular.self = circular;
  const text = await render([
    {
      type: 'host_result',
      host: 'node1',
      task: 'slurp',
      status: 'ok',
      ignored: false,
      result: {
        changed: false,
        failed: false,
        skipped: false,
        msg: 'read',
        data: { content: Buffer.from('hello\n'), size: 10n, circular, fn: () => 1, list: [undefined, 1] },
      },
    },
  ]);
  const obj = JSON.parse(text);
  t.same(obj.result.data, { content: 'hello\n', size: '10', circular: { name: 'c', self: '[Circular]' }, list: [null, 1] });
});

t.test('a secret that looks like a number does not cut into counts or the time', async (t) => {
  const text = await render(
    [{ type: 'run_end', check: true, recap: { node1: { ok: 20250, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 } } }],
    ['2025'],
  );
  const obj = JSON.parse(text);
  t.equal(obj.time, '2025-01-02T03:04:05.000Z');
  t.equal(obj.recap.node1.ok, 20250);
  t.equal(obj.check, true);
});
