/** Drift's exit codes, fix plan, textfile and human report from outcomes built by hand. */
import t from 'tap';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driftExitCode, type DriftOutcome, type HostOutcome } from '../../src/drift/outcome.ts';
import { fixPlan, planHosts } from '../../src/drift/plan.ts';
import { driftMetrics, previousSuccess, writeDriftTextfile } from '../../src/drift/metrics.ts';
import { renderDriftText, terminalSafe } from '../../src/drift/text-report.ts';
import { prometheusTextfile } from '../../src/report/prometheus.ts';
import type { DriftItem } from '../../tasks/drift/types.ts';

const item = (host: string, kind: DriftItem['kind'], severity: DriftItem['severity'] = 'error'): DriftItem => ({ host, kind, expected: 'e', found: 'f', severity });
const host = (name: string, items: DriftItem[], status: HostOutcome['status'] = 'checked'): HostOutcome => ({ host: name, node: name, status, items, paths: [], duration_ms: 120 });

t.test('exit codes follow terraform -detailed-exitcode', async (t) => {
  t.equal(driftExitCode([host('a', [])], false, []), 0);
  const drift = [item('a', 'plugin_missing')];
  t.equal(driftExitCode([host('a', drift)], false, drift), 2);
  const unreachable = [item('b', 'unreachable')];
  t.equal(driftExitCode([host('a', []), host('b', unreachable, 'unreachable')], false, unreachable), 3, 'unreachable and nothing else');
  t.equal(driftExitCode([host('a', drift), host('b', unreachable, 'unreachable')], false, [...drift, ...unreachable]), 2, 'drift beats unreachable');
  t.equal(driftExitCode([host('a', drift), host('c', [], 'error')], false, drift), 1, 'a check that could not run beats drift');
  t.equal(driftExitCode([host('a', [])], true, []), 1, 'the cluster not read');
});

t.test('the fix plan: each fixable kind to its step, the rest left', async (t) => {
  const plan = fixPlan([
    host('n1', [item('n1', 'k3s_link_replaced')]),
    host('n2', [item('n2', 'conf_stale', 'critical')]),
    host('n3', [item('n3', 'multicall_unrecorded', 'warning'), item('n3', 'k3s_link_stale')]),
    host('n4', [item('n4', 'multicall_changed', 'critical'), item('n4', 'image_mismatch')]),
    host('n5', [item('n5', 'unreachable')], 'unreachable'),
  ]);
  t.same(plan, { backup: ['n3'], stale: ['n2'], restart: ['n2'], relink: ['n1', 'n3'], restart_nodes: ['n2'] });
  t.same(planHosts(plan).sort(), ['n1', 'n2', 'n3'], 'a host with nothing fixable is not touched');
});

const outcome: DriftOutcome = {
  hosts: [host('node1', []), host('node2', [item('node2', 'conf_stale', 'critical'), item('node2', 'plugin_missing'), item('node2', 'plugin_missing')])],
  cluster: { checked: true, extra_nodes: ['node9'] },
  items: [item('node2', 'conf_stale', 'critical'), item('node2', 'plugin_missing'), item('node2', 'plugin_missing')],
  exit_code: 2,
};

t.test('the textfile: items per host and kind, reachability, run time and success', async (t) => {
  const text = prometheusTextfile(driftMetrics(outcome, { startedAt: 1700000000, durationSeconds: 4.5, inventory: 'x' }, undefined));
  t.match(text, /^provision_multus_drift_items\{host="node2",kind="plugin_missing",severity="error"\} 2$/m);
  t.match(text, /^provision_multus_drift_items\{host="node2",kind="conf_stale",severity="critical"\} 1$/m);
  t.match(text, /^provision_multus_host_in_sync\{host="node1"\} 1$/m);
  t.match(text, /^provision_multus_host_reachable\{host="node2"\} 1$/m);
  t.match(text, /^provision_multus_last_run_timestamp_seconds 1700000000$/m);
  t.match(text, /^provision_multus_last_run_duration_seconds 4.5$/m);
  t.match(text, /^provision_multus_last_run_success 1$/m);
  t.match(text, /^provision_multus_last_success_timestamp_seconds 1700000000$/m);
  t.match(text, /^provision_multus_cluster_nodes_not_in_inventory 1$/m);
  t.match(text, /^# TYPE provision_multus_drift_items gauge$/m);
});

t.test('a run that could not check keeps the last success time of the previous file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'drift-prom-'));
  await writeDriftTextfile(dir, outcome, { startedAt: 1000, durationSeconds: 1, inventory: 'x' });
  await writeDriftTextfile(dir, { ...outcome, exit_code: 1 }, { startedAt: 2000, durationSeconds: 1, inventory: 'x' });
  const text = readFileSync(join(dir, 'provision_multus.prom'), 'utf8');
  t.equal(previousSuccess(text), 1000);
  t.match(text, /^provision_multus_last_run_success 0$/m);
  t.match(text, /^provision_multus_last_run_timestamp_seconds 2000$/m);
  t.same(readdirSync(dir), ['provision_multus.prom'], 'no temp file left');
  writeFileSync(join(dir, 'provision_multus.prom'), 'garbage\n');
  t.equal(previousSuccess('garbage\n'), undefined);
});

t.test('the human report escapes control characters from nodes', async (t) => {
  t.equal(terminalSafe('a\u001b[31mb\nc'), 'a\\x1b[31mb\\x0ac');
  const text = renderDriftText({ ...outcome, items: [{ ...item('node2', 'conf_wrong'), found: 'type "\u001b]0;owned\u0007"' }] });
  t.notMatch(text, /\u001b/);
  t.match(text, /found: {4}type "\\x1b\]0;owned\\x07"/);
  t.match(text, /cluster nodes not in the inventory \(not checked\): node9/);
});

t.test("the lock names its holder's command, without extra vars' values", async (t) => {
  const { holderCommand } = await import('../../src/engine/lock.ts');
  t.equal(holderCommand(['drift', '-i', 'inv.yaml', '--fix']), 'provision drift -i inv.yaml --fix');
  const masked = holderCommand(['install', '-i', 'inv.yaml', '-e', 'ansible_become_password=hunter2', '--extra-vars=token=abc', '-etoken=x']);
  t.notMatch(masked, /hunter2|abc|token=x/);
  t.equal(masked, 'provision install -i inv.yaml -e … --extra-vars=… -e…');
});
