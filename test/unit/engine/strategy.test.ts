/**
 * The linear strategy and the task keywords, on local-connection hosts writing into a
 * temp dir: run_once, delegate_to, handlers, when/register, until/retries, failed_when,
 * changed_when, ignore_errors, serial, any_errors_fatal, max_fail_percentage, tags, set_fact.
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runInProcess } from '../../helpers/run-provision.ts';

function setup(t: { testdir(): string }, hosts: string[], plays: unknown[], extraVars: Record<string, unknown> = {}) {
  const dir = t.testdir();
  const inv = join(dir, 'inv.yaml');
  writeFileSync(
    inv,
    stringify({ all: { hosts: Object.fromEntries(hosts.map((h) => [h, { ansible_connection: 'local' }])), vars: { dir, ...extraVars } } }),
  );
  const pb = join(dir, 'pb.yaml');
  writeFileSync(pb, stringify(plays));
  return { dir, inv, pb };
}

const log = (line: string) => ({ shell: `echo ${line} >> {{ dir }}/log` });
const lines = (dir: string) => (existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').trim().split('\n') : []);

t.test('linear order: every host does a task before the next task starts', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2'], [
    { hosts: 'all', tasks: [{ name: 'one', ...log('one-{{ inventory_hostname }}') }, { name: 'two', ...log('two-{{ inventory_hostname }}') }] },
  ]);
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.equal(run.summary.exitCode, 0);
  t.same(lines(dir), ['one-h1', 'one-h2', 'two-h1', 'two-h2']);
});

t.test('when, register, set_fact, run_once and delegate_to localhost', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2', 'h3'], [
    {
      hosts: 'all',
      tasks: [
        { name: 'only h2', ...log('when-{{ inventory_hostname }}'), when: "inventory_hostname == 'h2'" },
        { name: 'once', shell: 'echo once-{{ inventory_hostname }} >> {{ dir }}/log; echo shared', run_once: true, register: 'once' },
        { name: 'fact', set_fact: { seen: '{{ once.stdout }}-{{ inventory_hostname }}' } },
        { name: 'use', ...log('{{ seen }}') },
        { name: 'delegated', shell: 'echo from-$(hostname)-for-{{ inventory_hostname }} > {{ dir }}/delegated-{{ inventory_hostname }}', delegate_to: 'localhost', when: "inventory_hostname == 'h1'" },
      ],
    },
  ]);
  // forks 1: the three hosts append to one file, and the order is only fixed one at a time.
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.equal(run.summary.exitCode, 0);
  t.same(lines(dir), ['when-h2', 'once-h1', 'shared-h1', 'shared-h2', 'shared-h3']);
  t.equal(run.statuses.h1['only h2'], 'skipped');
  t.equal(run.summary.recap.h3.skipped, 2, "h3 skipped the when-guarded tasks");
  t.ok(existsSync(join(dir, 'delegated-h1')));
  const delegated = run.events.find((e) => e.type === 'host_result' && e.task === 'delegated' && e.host === 'h1');
  t.match(delegated, { delegatedTo: 'localhost' });
});

t.test('handlers run once at the end of the play, only where notified by a change', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2'], [
    {
      hosts: 'all',
      tasks: [
        { name: 'change on h1', ...log('task-{{ inventory_hostname }}'), when: "inventory_hostname == 'h1'", notify: 'restart' },
        { name: 'no change', command: 'true', changed_when: false, notify: 'other' },
        { name: 'again', ...log('again-{{ inventory_hostname }}'), when: "inventory_hostname == 'h1'", notify: 'restart' },
      ],
      handlers: [
        { name: 'restart', ...log('handler-{{ inventory_hostname }}') },
        { name: 'other', ...log('other-{{ inventory_hostname }}') },
      ],
    },
  ]);
  const run = await runInProcess(inv, pb);
  t.equal(run.summary.exitCode, 0);
  t.same(lines(dir), ['task-h1', 'again-h1', 'handler-h1']);
});

t.test('until/retries, failed_when, changed_when and ignore_errors', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1'], [
    {
      hosts: 'all',
      tasks: [
        { name: 'third time lucky', shell: 'echo x >> {{ dir }}/tries; wc -l < {{ dir }}/tries', register: 'r', until: 'r.stdout | int >= 3', retries: 5, delay: 0 },
        { name: 'judged failed', command: 'echo bad', register: 'b', failed_when: "'bad' in b.stdout", ignore_errors: true },
        { name: 'never changed', command: 'true', changed_when: false },
        { name: 'after', ...log('after') },
      ],
    },
  ]);
  const run = await runInProcess(inv, pb);
  t.equal(run.summary.exitCode, 0, 'an ignored failure does not fail the run');
  t.equal(readFileSync(join(dir, 'tries'), 'utf8').trim().split('\n').length, 3);
  t.equal(run.statuses.h1['judged failed'], 'failed');
  t.equal(run.statuses.h1['never changed'], 'ok');
  t.match(run.summary.recap.h1, { ignored: 1, failed: 0 });
  t.same(lines(dir), ['after']);
});

t.test('retries exhausted fails the host and names the attempts', async (t) => {
  const { inv, pb } = setup(t, ['h1'], [
    { hosts: 'all', tasks: [{ name: 'never', command: 'false', register: 'r', until: 'r.rc == 0', retries: 2, delay: 0 }] },
  ]);
  const run = await runInProcess(inv, pb);
  t.equal(run.summary.exitCode, 1);
  t.match(run.summary.failures.h1, /still failing after 3 attempts/);
});

t.test('a failed host stops, the others go on; any_errors_fatal stops everyone', async (t) => {
  const plays = (fatal: boolean) => [
    {
      hosts: 'all',
      any_errors_fatal: fatal,
      tasks: [
        { name: 'fail on h1', command: 'false', when: "inventory_hostname == 'h1'" },
        { name: 'next', ...log('next-{{ inventory_hostname }}') },
      ],
    },
  ];
  const a = setup(t, ['h1', 'h2'], plays(false));
  const runA = await runInProcess(a.inv, a.pb);
  t.equal(runA.summary.exitCode, 1);
  t.same(lines(a.dir), ['next-h2']);
  const b = setup(t, ['h1', 'h2'], plays(true));
  const runB = await runInProcess(b.inv, b.pb);
  t.equal(runB.summary.exitCode, 1);
  t.same(lines(b.dir), [], 'nobody went on');
});

t.test('serial batches, and max_fail_percentage ends the play', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2', 'h3', 'h4'], [
    {
      hosts: 'all',
      serial: 2,
      max_fail_percentage: 0,
      tasks: [
        { name: 'a', ...log('a-{{ inventory_hostname }}') },
        { name: 'fail h2', command: 'false', when: "inventory_hostname == 'h2'" },
        { name: 'b', ...log('b-{{ inventory_hostname }}') },
      ],
    },
  ]);
  const run = await runInProcess(inv, pb, { forks: 1 }); // one at a time: a fixed order in the log
  t.equal(run.summary.exitCode, 1);
  t.same(lines(dir), ['a-h1', 'a-h2'], 'the second batch never started');
});

t.test('tags select tasks; never-tagged tasks run only when named', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1'], [
    {
      hosts: 'all',
      tasks: [
        { name: 'x', ...log('x'), tags: ['x'] },
        { name: 'y', ...log('y'), tags: 'y' },
        { name: 'smoke', ...log('smoke'), tags: ['never', 'smoke'] },
        { name: 'always', ...log('always'), tags: ['always'] },
      ],
    },
  ]);
  await runInProcess(inv, pb, { tags: ['y'] });
  t.same(lines(dir), ['y', 'always']);
  await runInProcess(inv, pb, { tags: ['smoke'], skipTags: ['always'] });
  t.same(lines(dir), ['y', 'always', 'smoke']);
});

t.test('an undefined variable fails that task and names the variable', async (t) => {
  const { inv, pb } = setup(t, ['h1'], [{ hosts: 'all', tasks: [{ name: 'oops', shell: 'echo {{ k3s.data_dri }}' }] }]);
  const run = await runInProcess(inv, pb);
  t.equal(run.summary.exitCode, 1);
  t.match(run.summary.failures.h1, /oops: undefined variable: k3s/);
});

t.test('variables refer to each other across layers; extra vars win', async (t) => {
  const { dir, inv, pb } = setup(
    t,
    ['h1'],
    [{ hosts: 'all', vars: { bin: '{{ data }}/cni', data: '{{ root }}/data' }, tasks: [{ name: 'w', ...log('{{ bin }}') }] }],
    { root: '/var/lib/rancher/k3s' },
  );
  await runInProcess(inv, pb);
  t.same(lines(dir), ['/var/lib/rancher/k3s/data/cni']);
  await runInProcess(inv, pb, { extraVars: { root: '/opt/k3s' } });
  t.same(lines(dir), ['/var/lib/rancher/k3s/data/cni', '/opt/k3s/data/cni']);
});
