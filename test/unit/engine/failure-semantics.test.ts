/**
 * How failures, unreachable hosts and no_log play out across a run, as Ansible does it:
 * a serial batch that fails entirely ends the run; any_errors_fatal also fires on an
 * unreachable host; a connection lost in the middle of a task is "unreachable", not
 * "failed"; a no_log task's output reaches no report.
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runInProcess } from '../../helpers/run-provision.ts';
import { runTask } from '../../../src/engine/run-task.ts';
import { UnreachableError } from '../../../src/errors.ts';
import type { TaskSpec } from '../../../src/playbook/types.ts';
import { registry } from '../../../tasks/index.ts';

/** Hosts named `down*` point at a closed local port: the connection is refused at once. */
function setup(t: { testdir(): string }, hosts: string[], plays: unknown[]) {
  const dir = t.testdir();
  const inv = join(dir, 'inv.yaml');
  const hostVars = (h: string) =>
    h.startsWith('down')
      ? { ansible_host: '127.0.0.1', ansible_port: 1, ansible_user: 'nobody', ansible_ssh_private_key_file: join(dir, 'no-key') }
      : { ansible_connection: 'local' };
  writeFileSync(inv, stringify({ all: { hosts: Object.fromEntries(hosts.map((h) => [h, hostVars(h)])), vars: { dir } } }));
  const pb = join(dir, 'pb.yaml');
  writeFileSync(pb, stringify(plays));
  return { dir, inv, pb };
}

const log = (line: string) => ({ shell: `echo ${line} >> {{ dir }}/log` });
/** Runs use forks 1: hosts append to one log, whose order is fixed only one at a time. */
const lines = (dir: string) => (existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').trim().split('\n') : []);

t.test('serial: when every host of a batch fails, no later batch or play starts', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2', 'h3'], [
    {
      hosts: 'all',
      serial: 1,
      tasks: [
        { name: 'a', ...log('a-{{ inventory_hostname }}') },
        { name: 'fail h1', command: 'false', when: "inventory_hostname == 'h1'" },
      ],
    },
    { hosts: 'all', tasks: [{ name: 'later', ...log('later-{{ inventory_hostname }}') }] },
  ]);
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.equal(run.summary.exitCode, 1);
  t.same(lines(dir), ['a-h1'], 'the rolling update stopped at the first broken host');
});

t.test('serial: a batch with a survivor lets the next batch start', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2', 'h3', 'h4'], [
    {
      hosts: 'all',
      serial: 2,
      tasks: [
        { name: 'fail h1', command: 'false', when: "inventory_hostname == 'h1'" },
        { name: 'b', ...log('b-{{ inventory_hostname }}') },
      ],
    },
  ]);
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.equal(run.summary.exitCode, 1);
  t.same(lines(dir), ['b-h2', 'b-h3', 'b-h4']);
});

t.test('any_errors_fatal ends the play when a host is unreachable', async (t) => {
  const { dir, inv, pb } = setup(t, ['down1', 'h2'], [
    { hosts: 'all', any_errors_fatal: true, tasks: [{ name: 'a', command: 'true' }, { name: 'b', ...log('b-{{ inventory_hostname }}') }] },
  ]);
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.equal(run.statuses.down1.a, 'unreachable');
  t.same(lines(dir), [], 'h2 did not go on');
  t.equal(run.summary.exitCode, 3, 'nothing failed: unreachable');
});

t.test('run_once on an unreachable host: that host is unreachable, the others are not silently dropped', async (t) => {
  const { dir, inv, pb } = setup(t, ['down1', 'h2', 'h3'], [
    { hosts: 'all', tasks: [{ name: 'once', command: 'true', run_once: true }, { name: 'b', ...log('b-{{ inventory_hostname }}') }] },
  ]);
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.equal(run.summary.recap.down1.unreachable, 1);
  t.same(lines(dir), ['b-h2', 'b-h3'], 'as in Ansible, the other hosts go on');
  t.notOk(run.summary.failures.h2, 'h2 is not reported as stopped');
  t.equal(run.summary.exitCode, 3);
});

const spec = (over: Partial<TaskSpec>): TaskSpec => ({
  name: 'probe',
  module: 'command',
  args: { cmd: 'true' },
  runOnce: false,
  tags: [],
  ignoreErrors: false,
  notify: [],
  listen: [],
  vars: {},
  position: { file: 'pb.yaml', line: 1, col: 1 },
  ...over,
});

t.test('a connection lost while a task runs makes the host unreachable, not failed', async (t) => {
  const lost = {
    host: 'node1',
    connect: async () => {},
    exec: async (): Promise<never> => {
      throw new UnreachableError('node1', 'connection to 10.0.0.1:22 lost while a command ran: ECONNRESET');
    },
    close: async () => {},
  };
  const outcome = await runTask({
    task: spec({}),
    module: registry.command,
    host: 'node1',
    scope: {},
    connection: async () => lost,
    check: false,
    diff: false,
    playbookDir: '.',
    signal: new AbortController().signal,
    onProgress: () => {},
    onWarning: () => {},
  });
  t.equal(outcome.status, 'unreachable');
  t.match(outcome.result.msg, /node1: connection to 10.0.0.1:22 lost/);
});

t.test('no_log: the result of the task reaches no report and no failure message', async (t) => {
  const secret = 'not-for-the-logs-4f1e';
  const { inv, pb } = setup(t, ['h1'], [
    {
      hosts: 'all',
      vars: { api_key: secret },
      tasks: [
        { name: 'quiet', shell: 'echo {{ api_key }}', no_log: true, register: 'r' },
        { name: 'quiet failure', shell: 'echo {{ api_key }}; exit 3', no_log: true },
      ],
    },
  ]);
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.equal(run.summary.exitCode, 1);
  t.equal(run.statuses.h1.quiet, 'changed', 'the status is still shown');
  t.notMatch(JSON.stringify(run.events), secret);
  t.notMatch(run.summary.failures.h1, secret);
  t.match(run.summary.failures.h1, /quiet failure: .*no_log/);
  t.equal((run.summary.facts.h1.r as { stdout: string }).stdout, secret, 'the registered value itself is kept for later tasks');
});
