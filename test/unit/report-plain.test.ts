import t from 'tap';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { RunEvent } from '../../src/engine/events.ts';
import { createPlainReporter, type PlainReporterOptions } from '../../src/report/plain.ts';

const events: RunEvent[] = JSON.parse(
  readFileSync(new URL('../fixtures/report/run-events.json', import.meta.url), 'utf8'),
);

async function render(evs: RunEvent[], options: Partial<PlainReporterOptions>): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const reporter = createPlainReporter(out, { verbose: 0, diff: false, secrets: () => [], ...options });
  for (const e of evs) reporter.event(e);
  await reporter.close();
  return text;
}

const stars = (title: string) => `${title} ${'*'.repeat(79 - title.length)}`;

t.test('a scripted run prints Ansible-like lines, diff before its status line', async (t) => {
  const text = await render(events, { diff: true });
  t.equal(
    text,
    [
      '',
      stars('PLAY [install multus]'),
      '',
      stars('TASK [write daemon config]'),
      '--- before',
      '+++ after',
      '@@ -1,4 +1,4 @@',
      ' {',
      '-  "logLevel": "verbose",',
      '-  "token": "old"',
      '+  "logLevel": "debug",',
      '+  "token": "s3cr3t-token"',
      ' }',
      'changed: [node1]',
      'ok: [node2]',
      'fatal: [node3]: UNREACHABLE! => connect ECONNREFUSED 10.0.0.3:22',
      '[WARNING]: node2: token s3cr3t-token expires soon',
      '',
      stars('TASK [apply manifest]'),
      'changed: [node1 -> node2]',
      'skipping: [node2]',
      '',
      stars('TASK [probe socket]'),
      'fatal: [node1]: FAILED! => no socket yet',
      '...ignoring',
      'fatal: [node2]: FAILED! => curl failed with s3cr3t-token',
      '',
      stars('RUNNING HANDLER [restart daemon]'),
      'changed: [node1]',
      '',
      stars('PLAY RECAP'),
      'node1                      : ok=4    changed=3    unreachable=0    failed=0    skipped=0    rescued=0    ignored=1',
      'node2                      : ok=1    changed=0    unreachable=0    failed=1    skipped=1    rescued=0    ignored=0',
      'node3                      : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0',
      '',
    ].join('\n'),
  );
  t.equal(stars('PLAY RECAP').length, 80, 'banners are 80 columns wide');
});

t.test('without --diff no diff is printed', async (t) => {
  const text = await render(events, { diff: false });
  t.notMatch(text, /--- before/);
  t.notMatch(text, /^[-+] /m);
  t.match(text, /^changed: \[node1\]$/m);
});

t.test('-v shows result messages for ok/changed/skipping and progress lines', async (t) => {
  const quiet = await render(events, {});
  t.notMatch(quiet, /progress:/);
  t.notMatch(quiet, /file written/);
  const text = await render(events, { verbose: 1 });
  const lines = text.split('\n');
  t.ok(lines.includes('progress: [node1] => uploading'));
  t.ok(lines.includes('changed: [node1] => file written'));
  t.ok(lines.includes('ok: [node2] => already in place'));
  t.ok(lines.includes('changed: [node1 -> node2] => daemonset created'));
  t.ok(lines.includes('skipping: [node2] => run_once'));
  // Failures look the same with or without -v.
  t.ok(lines.includes('fatal: [node1]: FAILED! => no socket yet'));
});

t.test('progress is limited to one line per host per second', async (t) => {
  let clock = 10_000;
  const progress = (host: string, message: string): RunEvent => ({ type: 'host_progress', host, task: 'wait', message });
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const reporter = createPlainReporter(out, { verbose: 1, diff: false, secrets: () => [], now: () => clock });
  reporter.event(progress('node1', 'ready 1/5'));
  clock += 400;
  reporter.event(progress('node1', 'ready 2/5')); // dropped: 0.4 s after the last line
  reporter.event(progress('node2', 'ready 1/5')); // other host: own budget
  clock += 600;
  reporter.event(progress('node1', 'ready 3/5')); // a full second later
  clock += 999;
  reporter.event(progress('node1', 'ready 4/5')); // dropped
  await reporter.close();
  t.same(text.trimEnd().split('\n'), [
    'progress: [node1] => ready 1/5',
    'progress: [node2] => ready 1/5',
    'progress: [node1] => ready 3/5',
  ]);
});

t.test('a warning without a host and a failure on a delegated task', async (t) => {
  const text = await render(
    [
      { type: 'warning', message: 'inventory has no k3s_data_dir' },
      {
        type: 'host_result',
        host: 'node1',
        task: 'x',
        status: 'failed',
        ignored: false,
        delegatedTo: 'node2',
        result: { changed: false, failed: true, skipped: false, msg: 'kubectl: forbidden' },
      },
    ],
    {},
  );
  t.equal(text, '[WARNING]: inventory has no k3s_data_dir\nfatal: [node1 -> node2]: FAILED! => kubectl: forbidden\n');
});

t.test('a result whose message is its point (debug) shows it without -v', async (t) => {
  const { PassThrough } = await import('node:stream');
  const { createPlainReporter } = await import('../../src/report/plain.ts');
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const r = createPlainReporter(out, { verbose: 0, diff: false, secrets: () => [] });
  const base = { type: 'host_result', host: 'n1', task: 't', status: 'ok', ignored: false } as const;
  r.event({ ...base, result: { changed: false, failed: false, skipped: false, msg: 'shown', show: true } });
  r.event({ ...base, host: 'n2', result: { changed: false, failed: false, skipped: false, msg: 'hidden' } });
  await r.close();
  t.match(text, 'ok: [n1] => shown');
  t.match(text, /ok: \[n2\]\n/);
  t.notMatch(text, 'hidden');
});
