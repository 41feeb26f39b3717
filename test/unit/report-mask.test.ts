import t from 'tap';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { Reporter, RunEvent } from '../../src/engine/events.ts';
import { MASK, maskSecrets } from '../../src/report/mask.ts';
import { createPlainReporter } from '../../src/report/plain.ts';
import { createJsonReporter } from '../../src/report/json.ts';
import { createListrReporter } from '../../src/report/listr.ts';

const events: RunEvent[] = JSON.parse(
  readFileSync(new URL('../fixtures/report/run-events.json', import.meta.url), 'utf8'),
);
const SECRET = 's3cr3t-token';

t.test('maskSecrets replaces every occurrence, longest secret first', async (t) => {
  t.equal(maskSecrets('a hunter2 b hunter2', ['hunter2']), `a ${MASK} b ${MASK}`);
  // "pass" is inside "password1": the longer one must go whole.
  t.equal(maskSecrets('x password1 y pass', ['pass', 'password1']), `x ${MASK} y ${MASK}`);
  t.equal(maskSecrets('multi\nline secret', ['multi\nline']), `${MASK} secret`);
  t.equal(maskSecrets('regex chars a.*b', ['a.*b']), `regex chars ${MASK}`);
  t.equal(maskSecrets('a.xb', ['a.*b']), 'a.xb', 'secrets are literal text, not patterns');
});

t.test('short secrets are masked where they stand alone, not inside other words', async (t) => {
  t.equal(maskSecrets('ok: [node1] abc', ['', 'o', 'ab', 'abc']), `ok: [node1] ${MASK}`);
  t.equal(maskSecrets('password is x9 (x9)', ['x9']), `password is ${MASK} (${MASK})`);
  t.equal(maskSecrets('tabx9y about', ['ab', 'x9']), 'tabx9y about', 'inside a word they stay');
  t.equal(maskSecrets('abcd', ['abcd']), MASK, 'four characters are masked anywhere');
  t.equal(maskSecrets('', ['abcd']), '');
});

t.test('escaped forms of a secret are masked too (attacker: a password with quotes and backslashes)', async (t) => {
  const secret = 'pa"ss\\w0rd\'';
  const debugVar = `ansible_become_password: ${JSON.stringify(secret)}`;
  t.equal(maskSecrets(debugVar, [secret]), `ansible_become_password: "${MASK}"`, 'JSON-escaped, as debug var shows it');
  const jsonInJson = JSON.stringify({ msg: JSON.stringify({ pw: secret }) });
  t.notMatch(maskSecrets(jsonInJson, [secret]), 'ss\\', 'escaped twice, as JSON inside a JSON line');
  t.match(maskSecrets(jsonInJson, [secret]), MASK);
  const shellQuoted = "echo 'pa\"ss\\w0rd'\\'''";
  t.notMatch(maskSecrets(shellQuoted, [secret]), 'w0rd', 'as the shell quoting writes it');
});

async function capture(make: (out: PassThrough, secrets: () => string[]) => Reporter): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  // The secret is only learned after the first task: reporters must ask at write time.
  const known: string[] = [];
  const reporter = make(out, () => known);
  for (const e of events) {
    if (e.type === 'host_result' && e.task === 'write daemon config') known.push(SECRET);
    reporter.event(e);
  }
  await reporter.close();
  return text;
}

const reporters: Record<string, (out: PassThrough, secrets: () => string[]) => Reporter> = {
  plain: (out, secrets) => createPlainReporter(out, { verbose: 2, diff: true, secrets }),
  json: (out, secrets) => createJsonReporter(out, { secrets }),
  listr: (out, secrets) => createListrReporter({ out, verbose: 2, diff: true, secrets, renderer: 'simple' }),
};

for (const [name, make] of Object.entries(reporters)) {
  t.test(`the ${name} reporter masks secrets in messages, diffs and warnings`, async (t) => {
    const text = await capture(make);
    t.notMatch(text, SECRET);
    // Each place the fixture hides the secret shows the mask instead.
    // The diff: a unified diff line in text output, the escaped `after` string in JSON.
    t.match(text, name === 'json' ? `\\"token\\": \\"${MASK}\\"` : `+  "token": "${MASK}"`);
    t.match(text, `token ${MASK} expires soon`);
    t.match(text, `curl failed with ${MASK}`);
  });
}
