import t from 'tap';
import { unifiedDiff } from '../../src/report/unified-diff.ts';

/** Apply a unified diff to `before`; proves the hunks are right, not just plausible. */
function applyDiff(before: string, diff: string): string {
  const src = before === '' ? [] : before.split('\n');
  const srcNoEol = before !== '' && !before.endsWith('\n');
  if (!srcNoEol && src.length > 0) src.pop();
  const lines = diff.split('\n');
  lines.pop();
  const result: string[] = [];
  let at = 0;
  let resultNoEol = false;
  for (let i = 2; i < lines.length; i++) {
    const m = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(lines[i]);
    if (!m) throw new Error(`bad hunk header ${lines[i]}`);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    const start = count === 0 ? Number(m[1]) : Number(m[1]) - 1;
    while (at < start) result.push(src[at++]);
    for (i++; i < lines.length && !lines[i].startsWith('@@'); i++) {
      const l = lines[i];
      if (l === '\\ No newline at end of file') {
        resultNoEol = lines[i - 1][0] !== '-';
        continue;
      }
      if (l[0] === ' ') {
        if (src[at] !== l.slice(1)) throw new Error(`context mismatch at ${at}`);
        result.push(src[at++]);
        resultNoEol = false;
      } else if (l[0] === '-') {
        if (src[at] !== l.slice(1)) throw new Error(`removed line mismatch at ${at}`);
        at++;
        resultNoEol = false;
      } else if (l[0] === '+') {
        result.push(l.slice(1));
        resultNoEol = false;
      }
    }
    i--;
  }
  while (at < src.length) {
    result.push(src[at++]);
    resultNoEol = srcNoEol && at === src.length;
  }
  if (result.length === 0) return '';
  return result.join('\n') + (resultNoEol ? '' : '\n');
}

t.test('equal texts give no diff', async (t) => {
  t.equal(unifiedDiff('a\nb\n', 'a\nb\n'), '');
  t.equal(unifiedDiff('', ''), '');
});

t.test('hunks with three lines of context, as diff -u prints them', async (t) => {
  const before = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n';
  const after = 'a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\nL\nm\nn\n';
  t.equal(
    unifiedDiff(before, after),
    [
      '--- before',
      '+++ after',
      '@@ -1,6 +1,6 @@',
      ' a',
      ' b',
      '-c',
      '+C',
      ' d',
      ' e',
      ' f',
      '@@ -9,5 +9,6 @@',
      ' i',
      ' j',
      ' k',
      '-l',
      '+L',
      ' m',
      '+n',
      '',
    ].join('\n'),
  );
});

t.test('empty sides and one-line ranges', async (t) => {
  t.equal(unifiedDiff('', 'x\ny\n'), '--- before\n+++ after\n@@ -0,0 +1,2 @@\n+x\n+y\n');
  t.equal(unifiedDiff('x\ny\n', ''), '--- before\n+++ after\n@@ -1,2 +0,0 @@\n-x\n-y\n');
  t.equal(unifiedDiff('a\n', 'b\n'), '--- before\n+++ after\n@@ -1 +1 @@\n-a\n+b\n');
});

t.test('a missing final newline is a difference and is marked', async (t) => {
  t.equal(
    unifiedDiff('one\ntwo', 'one\ntwo\n'),
    '--- before\n+++ after\n@@ -1,2 +1,2 @@\n one\n-two\n\\ No newline at end of file\n+two\n',
  );
});

t.test('random edits: applying the diff to before gives after', async (t) => {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const words = ['alpha', 'beta', 'gamma', 'delta', 'eps', ''];
  const text = () => {
    const lines = Array.from({ length: rand(25) }, () => words[rand(words.length)]);
    if (lines.length === 0) return '';
    return lines.join('\n') + (rand(4) === 0 ? '' : '\n');
  };
  for (let i = 0; i < 300; i++) {
    const before = text();
    const after = text();
    const diff = unifiedDiff(before, after);
    if (before === after) {
      t.equal(diff, '');
      continue;
    }
    t.equal(applyDiff(before, diff), after, `case ${i}`);
  }
});

t.test('large inputs stay correct beyond the LCS size limit', async (t) => {
  const before = Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const after = Array.from({ length: 3000 }, (_, i) => `line ${i % 7 === 0 ? 'x' : i}`).join('\n') + '\n';
  const diff = unifiedDiff(before, after);
  t.equal(applyDiff(before, diff), after);
});
