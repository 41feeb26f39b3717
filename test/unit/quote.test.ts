import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LocalConnection } from '../../src/connection/local.ts';
import { quote, raw, sh, shRaw } from '../../src/connection/quote.ts';

const local = new LocalConnection('localhost');

/** Each comes back byte-identical from `printf %s` through /bin/sh, or quoting is broken. */
function hostileStrings(canary: string): Array<[string, string]> {
  return [
    ['single quote', "it's"],
    ['only single quotes', "''"],
    ['double quotes', 'say "hi"'],
    ['command substitution', `$(touch ${canary})`],
    ['backticks', `\`touch ${canary}\``],
    ['variable', '$HOME ${PATH} $1 $@ $$'],
    ['newlines', 'line1\nline2\n'],
    ['carriage return', 'a\r\nb'],
    ['spaces', '  two  spaces  '],
    ['tabs', 'a\tb\t'],
    ['glob', '* ? [a-z] /etc/*'],
    ['operators', 'a; b | c && d || e & f < g > h >> i'],
    ['leading dash', '-n'],
    ['double dash', '--help'],
    ['empty', ''],
    ['backslashes', 'a\\b\\\\c\\'],
    ['quote-escape-quote', `'\\''`],
    ['history and braces', '!! {a,b} ~root'],
    ['unicode', 'héllo – 日本語 🚀'],
    ['everything', `'"$(touch ${canary})\`touch ${canary}\`$HOME;|&<>*?[\n\t\\`],
  ];
}

t.test('a safe word is left bare, everything else is single-quoted', async (t) => {
  t.equal(quote('/var/lib/rancher/k3s'), '/var/lib/rancher/k3s');
  t.equal(quote(42), '42');
  t.equal(quote(''), "''");
  t.equal(quote("it's"), `'it'\\''s'`);
  t.equal(quote('a b'), "'a b'");
});

t.test('hostile strings round-trip byte-exact through /bin/sh and run nothing', async (t) => {
  const dir = t.testdir();
  const canary = join(dir, 'executed');
  for (const [label, value] of hostileStrings(canary)) {
    const viaSh = await local.exec(sh`printf %s ${value}`);
    t.equal(viaSh.exitCode, 0, `${label}: exit 0`);
    t.equal(viaSh.stdout, value, `${label}: sh template`);
    const viaQuote = await local.exec(`printf %s ${quote(value)}`);
    t.equal(viaQuote.stdout, value, `${label}: quote()`);
  }
  t.notOk(existsSync(canary), 'no payload was executed');
});

t.test('quoting survives a second shell level (sh -c inside sh, as become and timeout wrap commands)', async (t) => {
  const dir = t.testdir();
  const canary = join(dir, 'executed');
  for (const [label, value] of hostileStrings(canary)) {
    const inner = sh`printf %s ${value}`;
    const res = await local.exec(sh`/bin/sh -c ${inner}`);
    t.equal(res.stdout, value, label);
  }
  t.notOk(existsSync(canary), 'no payload was executed');
});

t.test('an array becomes one quoted word per element', async (t) => {
  const words = ['a b', "c'd", '', '$(x)', '*'];
  const res = await local.exec(sh`printf '<%s>' ${words}`);
  t.equal(res.stdout, '<a b><c\'d><><$(x)><*>');
});

t.test('raw and shRaw insert already-built shell text unquoted', async (t) => {
  const pipeline = shRaw`printf %s ${'a b'}`;
  const res = await local.exec(sh`${pipeline} | tr a-z A-Z`);
  t.equal(res.stdout, 'A B');
  t.equal(sh`echo ${raw('$((1+2))')}`, 'echo $((1+2))');
});

t.test('a hostile file name stays one literal path', async (t) => {
  const dir = t.testdir();
  const base = `it's "$(touch payload1)" \`touch payload2\`; touch payload3 *?[ -rf\nnext`;
  const name = join(dir, base);
  const res = await local.exec(sh`cd ${dir} && printf data > ${name} && cat ${name}`);
  t.equal(res.stdout, 'data');
  t.same(readdirSync(dir), [base], 'exactly one file, with exactly the hostile name');
});

t.test('values that are no shell word are refused, not rendered as something else', async (t) => {
  t.throws(() => sh`printf %s ${'a\0; rm -rf /'}`, { name: 'ShellQuoteError', message: /NUL byte/ }, 'a NUL byte would cut the script short');
  t.throws(() => quote('x\0'), /NUL byte/);
  t.throws(() => sh`rm -f ${[] as string[]}`, /empty list/, 'an empty list would vanish from argv');
  t.throws(() => sh`echo ${undefined as unknown as string}`, /got undefined/);
  t.throws(() => sh`echo ${null as unknown as string}`, /got null/);
  t.throws(() => sh`echo ${{ a: 1 } as unknown as string}`, /got an object/, 'never [object Object]');
  t.throws(() => sh`echo ${true as unknown as string}`, /got boolean/);
  t.throws(() => sh`echo ${[['nested']] as unknown as string[]}`, /got a list/);
  t.throws(() => sh`echo ${NaN}`, /finite number/);
  t.throws(() => sh`echo ${raw('a\0b')}`, /NUL byte/);
  t.equal(sh`echo ${0} ${''}`, "echo 0 ''", 'zero and the empty string are words');
});
