import t from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prometheusTextfile, writeTextfileAtomic } from '../../src/report/prometheus.ts';

t.test('text exposition format with HELP, TYPE and escaped label values', async (t) => {
  const text = prometheusTextfile([
    {
      name: 'provision_drift_hosts',
      help: 'Hosts whose state differs from the playbook.\nSee `provision drift`; path C:\\x',
      type: 'gauge',
      samples: [
        { labels: { playbook: 'drift.yaml', host: 'node1' }, value: 1 },
        { labels: { playbook: 'drift.yaml', host: 'we"ird\\name\nx' }, value: 0 },
      ],
    },
    {
      name: 'provision_last_run_timestamp_seconds',
      help: 'Unix time of the last run.',
      type: 'gauge',
      samples: [{ value: 1735787045.5 }],
    },
    {
      name: 'provision_runs_total',
      help: 'Runs.',
      type: 'counter',
      samples: [{ labels: {}, value: 3 }, { labels: { result: 'nan' }, value: NaN }, { labels: { result: 'inf' }, value: -Infinity }],
    },
  ]);
  t.equal(
    text,
    [
      '# HELP provision_drift_hosts Hosts whose state differs from the playbook.\\nSee `provision drift`; path C:\\\\x',
      '# TYPE provision_drift_hosts gauge',
      'provision_drift_hosts{playbook="drift.yaml",host="node1"} 1',
      'provision_drift_hosts{playbook="drift.yaml",host="we\\"ird\\\\name\\nx"} 0',
      '# HELP provision_last_run_timestamp_seconds Unix time of the last run.',
      '# TYPE provision_last_run_timestamp_seconds gauge',
      'provision_last_run_timestamp_seconds 1735787045.5',
      '# HELP provision_runs_total Runs.',
      '# TYPE provision_runs_total counter',
      'provision_runs_total 3',
      'provision_runs_total{result="nan"} NaN',
      'provision_runs_total{result="inf"} -Inf',
      '',
    ].join('\n'),
  );
  t.equal(prometheusTextfile([]), '');
});

t.test('invalid metric and label names are refused', async (t) => {
  t.throws(() => prometheusTextfile([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }]), /metric name/);
  t.throws(
    () => prometheusTextfile([{ name: 'ok_name', help: '', type: 'gauge', samples: [{ labels: { 'a-b': 'x' }, value: 1 }] }]),
    /label name/,
  );
  t.throws(
    () => prometheusTextfile([{ name: 'ok_name', help: '', type: 'gauge', samples: [{ labels: { __name__: 'x' }, value: 1 }] }]),
    /label name/,
  );
});

t.test('atomic write replaces the file and leaves no temp file behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'prom-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'provision.prom');
  writeFileSync(path, 'old\n');
  await writeTextfileAtomic(path, 'new 1\n');
  t.equal(readFileSync(path, 'utf8'), 'new 1\n');
  t.same(readdirSync(dir), ['provision.prom']);
  await writeTextfileAtomic(path, 'new 2\n');
  t.same(readdirSync(dir), ['provision.prom']);
  t.equal(readFileSync(path, 'utf8'), 'new 2\n');
});

t.test('a failed write leaves neither a temp file nor a changed target', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'prom-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // The target is a directory: rename over it fails after the temp file was written.
  const target = join(dir, 'taken.prom');
  mkdirSync(target);
  await t.rejects(writeTextfileAtomic(target, 'x 1\n'));
  t.same(readdirSync(dir), ['taken.prom']);
  await t.rejects(writeTextfileAtomic(join(dir, 'missing', 'x.prom'), 'x 1\n'), { code: 'ENOENT' });
});
