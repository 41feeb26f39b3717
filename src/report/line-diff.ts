/**
 * A small line diff for `--diff`: longest common subsequence over lines, printed as a
 * unified diff (`--- before` / `+++ after`, `@@` hunks with three lines of context), the
 * way `diff -u` and Ansible show file changes. No external tool: the control machine may
 * not have one, and the output must be identical everywhere.
 */

type OpKind = ' ' | '-' | '+';

interface Op {
  kind: OpKind;
  text: string;
  /** this line is the last line of its side and that side has no trailing newline */
  noEol: boolean;
}

interface SplitText {
  lines: string[];
  noEol: boolean;
}

const NO_EOL_MARKER = '\\ No newline at end of file';

/**
 * Above this many LCS table cells (after trimming the common head and tail) the middle is
 * shown as "all removed, all added": still correct, just less minimal, and it keeps memory
 * bounded (a cell is 4 bytes) for large generated files.
 */
const MAX_LCS_CELLS = 4_000_000;

function splitLines(text: string): SplitText {
  if (text === '') return { lines: [], noEol: false };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
    return { lines, noEol: false };
  }
  return { lines, noEol: true };
}

/** Comparison keys: a last line without newline differs from the same text with one. */
function keysOf(split: SplitText): string[] {
  return split.lines.map((line, i) => (split.noEol && i === split.lines.length - 1 ? `${line}\n` : line));
}

function diffOps(a: SplitText, b: SplitText): Op[] {
  const ka = keysOf(a);
  const kb = keysOf(b);
  const lastA = a.noEol ? a.lines.length - 1 : -1;
  const lastB = b.noEol ? b.lines.length - 1 : -1;
  const same = (i: number): Op => ({ kind: ' ', text: a.lines[i], noEol: i === lastA });
  const del = (i: number): Op => ({ kind: '-', text: a.lines[i], noEol: i === lastA });
  const ins = (j: number): Op => ({ kind: '+', text: b.lines[j], noEol: j === lastB });

  let head = 0;
  while (head < ka.length && head < kb.length && ka[head] === kb[head]) head++;
  let tail = 0;
  while (
    tail < ka.length - head &&
    tail < kb.length - head &&
    ka[ka.length - 1 - tail] === kb[kb.length - 1 - tail]
  ) {
    tail++;
  }

  const ops: Op[] = [];
  for (let i = 0; i < head; i++) ops.push(same(i));

  const n = ka.length - head - tail;
  const m = kb.length - head - tail;
  if (n > 0 && m > 0 && (n + 1) * (m + 1) <= MAX_LCS_CELLS) {
    // lcs[i * (m + 1) + j] = length of the LCS of the middles from i and j onwards.
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] =
          ka[head + i] === kb[head + j]
            ? lcs[(i + 1) * width + j + 1] + 1
            : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (ka[head + i] === kb[head + j]) {
        ops.push(same(head + i));
        i++;
        j++;
      } else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) {
        ops.push(del(head + i++));
      } else {
        ops.push(ins(head + j++));
      }
    }
    while (i < n) ops.push(del(head + i++));
    while (j < m) ops.push(ins(head + j++));
  } else {
    for (let i = 0; i < n; i++) ops.push(del(head + i));
    for (let j = 0; j < m; j++) ops.push(ins(head + j));
  }

  for (let i = ka.length - tail; i < ka.length; i++) ops.push(same(i));
  return ops;
}

function range(start: number, count: number): string {
  // diff -u: an empty range names the line before it; a one-line range omits ",1".
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}

/** Unified diff of two texts; '' when they are equal. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  if (before === after) return '';
  const ops = diffOps(splitLines(before), splitLines(after));

  // Line numbers (0-based) on each side at the start of every op.
  const aAt: number[] = [];
  const bAt: number[] = [];
  let a = 0;
  let b = 0;
  for (const op of ops) {
    aAt.push(a);
    bAt.push(b);
    if (op.kind !== '+') a++;
    if (op.kind !== '-') b++;
  }

  // Hunks: each change plus `context` lines around it; overlapping or touching ones merge.
  const hunks: Array<[number, number]> = [];
  ops.forEach((op, idx) => {
    if (op.kind === ' ') return;
    const start = Math.max(0, idx - context);
    const end = Math.min(ops.length, idx + context + 1);
    const last = hunks[hunks.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else hunks.push([start, end]);
  });

  const out = ['--- before', '+++ after'];
  for (const [start, end] of hunks) {
    const slice = ops.slice(start, end);
    const aCount = slice.filter((op) => op.kind !== '+').length;
    const bCount = slice.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${range(aAt[start], aCount)} +${range(bAt[start], bCount)} @@`);
    for (const op of slice) {
      out.push(`${op.kind}${op.text}`);
      if (op.noEol) out.push(NO_EOL_MARKER);
    }
  }
  return `${out.join('\n')}\n`;
}
