import t from 'tap';
import { PassThrough } from 'node:stream';
import type { RunEvent } from '../../src/engine/events.ts';
import { createReporter } from '../../src/report/index.ts';

const script: RunEvent[] = [
  { type: 'task_start', play: 'p', task: 'ping', hosts: ['node1'], handler: false },
  {
    type: 'host_result',
    host: 'node1',
    task: 'ping',
    status: 'ok',
    ignored: false,
    result: { changed: false, failed: false, skipped: false, msg: 'pong' },
  },
];

async function output(choice: { json: boolean; tty: boolean }): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const reporter = createReporter({ ...choice, verbose: 0, diff: false, secrets: () => [], out });
  for (const e of script) reporter.event(e);
  await reporter.close();
  return text;
}

t.test('json wins over a terminal', async (t) => {
  const text = await output({ json: true, tty: true });
  t.equal(JSON.parse(text.split('\n')[0]).type, 'task_start');
});

t.test('a terminal gets the live view', async (t) => {
  // The stream here is no TTY, so listr2 draws with its line renderer; the view's words show.
  const text = await output({ json: false, tty: true });
  t.match(text, /✔ node1: ok/);
  t.notMatch(text, /^ok: \[node1\]$/m);
});

t.test('anything else gets plain lines', async (t) => {
  const text = await output({ json: false, tty: false });
  t.match(text, /^ok: \[node1\]$/m);
});
