import t from 'tap';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { RunEvent } from '../../src/engine/events.ts';
import { createListrReporter, type ListrReporterOptions } from '../../src/report/listr.ts';

const events: RunEvent[] = JSON.parse(
  readFileSync(new URL('../fixtures/report/run-events.json', import.meta.url), 'utf8'),
);

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

/** Closing must finish on its own; a hang fails the test instead of stalling the suite. */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function run(
  evs: RunEvent[],
  options: Partial<ListrReporterOptions> = {},
  between?: (e: RunEvent) => Promise<void>,
): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const reporter = createListrReporter({ out, verbose: 0, diff: false, secrets: () => [], renderer: 'simple', ...options });
  for (const e of evs) {
    reporter.event(e);
    if (between) await between(e);
  }
  await within(5000, reporter.close());
  return text;
}

t.test('simple renderer: every host line ends with its outcome, recap last', async (t) => {
  // Events arrive over time, as they do from the engine, so the views run while they come in.
  const text = await run(events, {}, tick);
  const lines = text.split('\n');
  const has = (pattern: RegExp) => t.ok(lines.some((l) => pattern.test(l)), `a line matches ${pattern}`);
  has(/^PLAY \[install multus\] \*+$/);
  has(/^✔ write daemon config$/);
  has(/^✔ node1: changed$/);
  has(/^✔ node2: ok$/);
  has(/^✖ node3 \[FAILED: node3: UNREACHABLE! => connect ECONNREFUSED 10\.0\.0\.3:22\]$/);
  has(/^\[WARNING\]: node2: token s3cr3t-token expires soon$/);
  has(/^✔ node1 -> node2: changed$/);
  has(/^↓ node2 \[SKIPPED: node2: skipping\]$/);
  has(/^✔ node1: FAILED! => no socket yet \.\.\.ignoring$/);
  has(/^✖ node2 \[FAILED: node2: FAILED! => curl failed with s3cr3t-token\]$/);
  has(/^✔ handler: restart daemon$/);
  has(/^› uploading$/);
  t.match(text, /PLAY RECAP \*+\nnode1 +: ok=4 +changed=3 +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=1\n/);
  t.ok(text.indexOf('PLAY RECAP') > text.lastIndexOf('restart daemon'), 'the recap follows the last view');
  // The warning sits below the block of the task it was raised in.
  t.ok(text.indexOf('[WARNING]') > text.indexOf('✔ node2: ok'));
  t.ok(text.indexOf('[WARNING]') < text.indexOf('apply manifest'));
});

t.test('all events at once (no pauses) gives the same outcomes', async (t) => {
  const text = await run(events);
  for (const line of ['✔ node1: changed', '✔ node2: ok', '✔ node1 -> node2: changed', '✔ handler: restart daemon']) {
    t.ok(text.split('\n').includes(line), line);
  }
});

t.test('test renderer: JSON events with the host titles and states', async (t) => {
  const text = await run(events, { renderer: 'test' });
  const records = text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const final = (path: string[]) =>
    records.filter((r) => r.event === 'STATE' && JSON.stringify(r.task.path) === JSON.stringify(path)).pop();
  t.match(final(['write daemon config', 'node1']), { data: 'COMPLETED', task: { title: 'node1: changed' } });
  t.match(final(['write daemon config', 'node3']), { data: 'FAILED', task: { hasFailed: true } });
  t.match(final(['apply manifest', 'node2']), { data: 'SKIPPED' });
  t.match(final(['write daemon config']), { data: 'COMPLETED' });
});

t.test('hosts that never get a result do not hang the view', async (t) => {
  const text = await run([
    { type: 'play_start', play: 'p', hosts: ['a', 'b'] },
    { type: 'task_start', play: 'p', task: 'first', hosts: ['a', 'b'], handler: false },
    {
      type: 'host_result',
      host: 'a',
      task: 'first',
      status: 'ok',
      ignored: false,
      result: { changed: false, failed: false, skipped: false, msg: '' },
    },
    // b never reports; the engine moves on and later stops without a run_end
    { type: 'task_start', play: 'p', task: 'second', hosts: ['a'], handler: false },
    // a result for a host the task did not announce still gets said, as a plain line
    {
      type: 'host_result',
      host: 'z',
      task: 'second',
      status: 'changed',
      ignored: false,
      delegatedTo: 'a',
      result: { changed: true, failed: false, skipped: false, msg: '' },
    },
  ]);
  t.match(text, /^changed: \[z -> a\]$/m);
  t.match(text, /↓ b \[SKIPPED: b: no result\]/);
  t.match(text, /↓ a \[SKIPPED: a: no result\]/);
  t.notMatch(text, /PLAY RECAP/);
});

t.test('-v and --diff: messages in titles, diffs below the block', async (t) => {
  const text = await run(events, { verbose: 1, diff: true }, tick);
  t.match(text, /✔ node1: changed => file written\n/);
  t.match(text, /--- before\n\+\+\+ after\n@@ -1,4 \+1,4 @@\n {\n- {2}"logLevel": "verbose",/);
  t.ok(text.indexOf('--- before') > text.indexOf('✔ write daemon config'));
});

t.test('a secret learned while a view runs is masked in what is written afterwards', async (t) => {
  const secrets: string[] = [];
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const reporter = createListrReporter({ out, verbose: 0, diff: false, secrets: () => secrets, renderer: 'simple' });
  reporter.event({ type: 'task_start', play: 'p', task: 'rotate key-ABCDEF', hosts: ['a'], handler: false });
  await tick();
  secrets.push('key-ABCDEF');
  reporter.event({
    type: 'host_result',
    host: 'a',
    task: 'rotate key-ABCDEF',
    status: 'changed',
    ignored: false,
    result: { changed: true, failed: false, skipped: false, msg: '' },
  });
  await within(5000, reporter.close());
  // The title was handed to listr2 before the secret was known; its completion line is
  // written afterwards and must come out masked.
  t.match(text, /✔ rotate \*{8}\n/);
  t.notMatch(text.slice(text.indexOf('✔ a: changed')), /key-ABCDEF/);
});
