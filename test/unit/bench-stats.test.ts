/** The pure parts of `npm run bench`: summaries, ratios, the table, targets, the results document, its arguments. */
import t from 'tap';
import { formatMs, formatRatio, formatSummary, formatTable, formatTargets, ratio, resultsDocument, summarize, targetMet } from '../bench/stats.ts';
import { parseBenchArgs } from '../bench/args.ts';

t.test('summarize: median of odd and even counts, min, max, n; no samples is an error', async (t) => {
  t.same(summarize([30, 10, 20]), { median: 20, min: 10, max: 30, n: 3 });
  t.same(summarize([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
  t.same(summarize([7]), { median: 7, min: 7, max: 7, n: 1 });
  t.throws(() => summarize([]), /no samples/);
});

t.test('ratio of medians and its formatting', async (t) => {
  t.equal(ratio(summarize([100, 300, 200]), summarize([10, 20, 30])), 10);
  t.equal(formatRatio(12.345), '12×');
  t.equal(formatRatio(1.5), '1.50×');
});

t.test('milliseconds and summaries as shown', async (t) => {
  t.equal(formatMs(12.34), '12.3 ms');
  t.equal(formatMs(123.4), '123 ms');
  t.equal(formatMs(1234), '1.23 s');
  t.equal(formatSummary(summarize([5])), '5.0 ms', 'one sample: no range');
  t.equal(formatSummary(summarize([900, 1100, 1000])), '1.00 s (900 ms–1.10 s)');
});

t.test('the table: a header, a rule, one row each, columns aligned', async (t) => {
  const table = formatTable([
    { name: 'drift', ms: summarize([100, 120, 110]), rssMb: summarize([90, 95, 92]), note: '12× faster' },
    { name: 'patterns', ms: summarize([5]) },
  ]);
  const lines = table.split('\n');
  t.equal(lines.length, 4);
  t.match(lines[0], /^\| measured +\| median \(min–max\) +\| peak RSS +\| note +\|$/);
  t.match(lines[1], /^\|-+\|-+\|-+\|-+\|$/);
  t.match(lines[2], /^\| drift +\| 110 ms \(100 ms–120 ms\) \| 92 MB \(90 MB–95 MB\) \| 12× faster \|$/);
  t.equal(new Set(lines.map((l) => l.length)).size, 1, 'every line as wide');
});

t.test('targets: met or missed, against a maximum or a minimum', async (t) => {
  t.equal(targetMet({ name: 'a', value: 12, bound: 10, kind: 'min' }), true);
  t.equal(targetMet({ name: 'a', value: 8, bound: 10, kind: 'min' }), false);
  t.equal(targetMet({ name: 'b', value: 1.2, bound: 1, kind: 'max' }), false);
  t.equal(formatTargets([{ name: 'rss', value: 150, bound: 200, kind: 'max' }, { name: 'x', value: 3, bound: 10, kind: 'min' }]), 'met    rss: 150.00 (≤ 200)\nMISSED x: 3.00 (≥ 10)');
});

t.test('the results document carries every row and each target with met', async (t) => {
  const doc = resultsDocument({
    date: '2026-01-01T00:00:00.000Z',
    command: 'npm run bench',
    machine: { cpus: 2, loadavg: [1, 1, 1], node: 'v20', ansible: 'ansible-playbook [core 2.14.18]' },
    nodes: 20,
    scaleNodes: 100,
    reps: 3,
    rssMethod: 'GNU time',
    rows: [{ name: 'drift', ms: summarize([1, 2, 3]) }],
    targets: [{ name: 'help', value: 1.2, bound: 2, kind: 'max' }],
  });
  t.same(doc.targets, [{ name: 'help', value: 1.2, bound: 2, kind: 'max', met: true }]);
  t.same(JSON.parse(JSON.stringify(doc)).rows, [{ name: 'drift', ms: { median: 2, min: 1, max: 3, n: 3 } }]);
});

t.test('arguments: defaults, --nodes, --reps at least 3, --scale-nodes 0 skips', async (t) => {
  t.same(parseBenchArgs([]), { nodes: 20, reps: 3, scaleNodes: 100 });
  t.same(parseBenchArgs(['--nodes', '5', '--reps', '4', '--scale-nodes', '0']), { nodes: 5, reps: 4, scaleNodes: 0 });
  t.throws(() => parseBenchArgs(['--reps', '2']), /--reps must be an integer ≥ 3, got "2"/);
  t.throws(() => parseBenchArgs(['--nodes', 'x']), /--nodes must be an integer/);
  t.throws(() => parseBenchArgs(['--forks', '3']), /Unknown option/);
});
