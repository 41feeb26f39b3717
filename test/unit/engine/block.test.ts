/**
 * block / rescue / always on several local-connection hosts, as the linear strategy of
 * ansible-core 2.14 runs them (executor/play_iterator.py, plugins/strategy/__init__.py):
 * who runs rescue and always, what the rescue sees, and how the recap counts it.
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runInProcess } from '../../helpers/run-provision.ts';

function setup(t: { testdir(): string }, hosts: string[], tasks: unknown[], play: Record<string, unknown> = {}) {
  const dir = t.testdir();
  const inv = join(dir, 'inv.yaml');
  writeFileSync(inv, stringify({ all: { hosts: Object.fromEntries(hosts.map((h) => [h, { ansible_connection: 'local' }])), vars: { dir } } }));
  const pb = join(dir, 'pb.yaml');
  writeFileSync(pb, stringify([{ hosts: 'all', ...play, tasks }]));
  return { dir, inv, pb };
}

const log = (name: string, line = `${name}-{{ inventory_hostname }}`) => ({ name, shell: `echo ${line} >> {{ dir }}/log` });
const failOn = (name: string, host: string) => ({ name, shell: `test {{ inventory_hostname }} != ${host}` });
const lines = (dir: string) => (existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').trim().split('\n') : []);

t.test('fail → rescue → always: the rescued host goes on, counted rescued, not failed', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2'], [
    {
      block: [failOn('b1', 'h1'), log('b2')],
      rescue: [log('r1', '{{ inventory_hostname }}-{{ ansible_failed_task.name }}-rc{{ ansible_failed_result.rc }}')],
      always: [log('a1')],
    },
    log('after'),
  ]);
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.equal(run.summary.exitCode, 0, 'a rescued failure does not fail the run');
  t.same(lines(dir), ['b2-h2', 'h1-b1-rc1', 'a1-h1', 'a1-h2', 'after-h1', 'after-h2'], 'rescue only where it failed, always everywhere, in lockstep');
  t.equal(run.statuses.h1.b1, 'failed', 'the failed task is still shown failed');
  t.same(run.summary.recap.h1, { ok: 3, changed: 3, unreachable: 0, failed: 0, skipped: 0, rescued: 1, ignored: 0 });
  t.same(run.summary.recap.h2, { ok: 4, changed: 4, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 });
  t.same(run.summary.failures, {}, 'no host is left failed');
  t.match(run.summary.facts.h1.ansible_failed_task, { name: 'b1', action: 'shell' });
});

t.test('a failing rescue: always still runs, then the host stays failed', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2'], [
    { block: [failOn('b1', 'h1')], rescue: [failOn('r1', 'h1'), log('r2')], always: [log('a1')] },
    log('after'),
  ]);
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.equal(run.summary.exitCode, 1);
  t.same(lines(dir), ['a1-h1', 'a1-h2', 'after-h2']);
  t.same([run.summary.recap.h1.failed, run.summary.recap.h1.rescued], [1, 1], 'the block failure is rescued, the rescue failure is a failure');
  t.match(run.summary.failures.h1, /^r1: /, 'the failure named is the rescue task');
});

t.test('no rescue: always runs, then the host stays failed', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2'], [{ block: [failOn('b1', 'h1'), log('b2')], always: [log('a1')] }, log('after')]);
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.equal(run.summary.exitCode, 1);
  t.same(lines(dir), ['b2-h2', 'a1-h1', 'a1-h2', 'after-h2']);
  t.same([run.summary.recap.h1.failed, run.summary.recap.h1.rescued], [1, 0]);
  t.match(run.summary.failures.h1, /^b1: /);
});

t.test('a failing always fails a host that had succeeded', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2'], [{ block: [log('b1')], always: [failOn('a1', 'h2')] }, log('after')]);
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.same(lines(dir), ['b1-h1', 'b1-h2', 'after-h1']);
  t.match(run.summary.failures.h2, /^a1: /);
});

t.test('nested: an inner block without rescue runs its always, then the outer rescue takes over', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1'], [
    {
      block: [{ block: [failOn('inner', 'h1'), log('inner2')], always: [log('inner-always')] }, log('outer2')],
      rescue: [log('outer-rescue', '{{ ansible_failed_task.name }}')],
      always: [log('outer-always')],
    },
    log('after'),
  ]);
  const run = await runInProcess(inv, pb);
  t.equal(run.summary.exitCode, 0);
  t.same(lines(dir), ['inner-always-h1', 'inner', 'outer-always-h1', 'after-h1']);
  t.same([run.summary.recap.h1.failed, run.summary.recap.h1.rescued], [0, 1], 'counted rescued: the outer block is rescuing (is_any_block_rescuing)');
});

t.test('when on a block skips all its tasks; tags on a block select them; check mode goes through', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2'], [
    { when: "inventory_hostname == 'h2'", block: [log('only-h2')], always: [log('always-h2')] },
    { tags: ['picked'], block: [log('tagged'), { name: 'copied', copy: { content: 'x\n', dest: '{{ dir }}/c-{{ inventory_hostname }}' } }], rescue: [log('never')] },
    log('untagged'),
  ]);
  const run = await runInProcess(inv, pb, { forks: 1, tags: ['picked'] });
  t.same(lines(dir), ['tagged-h1', 'tagged-h2'], 'only the tagged block ran');
  const all = await runInProcess(inv, pb, { forks: 1 });
  t.same(lines(dir).slice(2, 4), ['only-h2-h2', 'always-h2-h2'], 'the block when holds for h2 only');
  t.equal(all.statuses.h1['only-h2'], 'skipped');
  t.equal(all.statuses.h1['always-h2'], 'skipped', 'the always section inherits the when too');
  t.equal(run.statuses.h1.untagged, undefined, 'the untagged task did not run');
  const checkDir = setup(t, ['h1'], [{ tags: ['picked'], block: [{ name: 'copied', copy: { content: 'x\n', dest: '{{ dir }}/c' } }], always: [log('a1')] }]);
  const checked = await runInProcess(checkDir.inv, checkDir.pb, { check: true, tags: ['picked'] });
  t.equal(checked.summary.exitCode, 2, 'check mode: changes pending, nothing failed');
  t.equal(checked.statuses.h1.copied, 'changed');
  t.equal(checked.statuses.h1.a1, 'skipped', 'shell skips in check mode, inside always too');
  t.notOk(existsSync(join(checkDir.dir, 'c')), 'check mode wrote nothing');
});

t.test('any_errors_fatal: a failure a rescue handles does not end the play; an unreachable host runs neither rescue nor always', async (t) => {
  const { dir, inv, pb } = setup(t, ['h1', 'h2'], [{ block: [failOn('b1', 'h1')], rescue: [log('r1')] }, log('after')], { any_errors_fatal: true });
  const run = await runInProcess(inv, pb, { forks: 1 });
  t.same(lines(dir), ['r1-h1', 'after-h1', 'after-h2']);
  t.equal(run.summary.exitCode, 0);
  const dir2 = t.testdir();
  const inv2 = join(dir2, 'inv.yaml');
  writeFileSync(inv2, stringify({ all: { hosts: { h1: { ansible_connection: 'local' }, gone: { ansible_host: '127.0.0.1', ansible_port: 1, ansible_ssh_timeout: 2 } }, vars: { dir: dir2 } } }));
  const pb2 = join(dir2, 'pb.yaml');
  writeFileSync(pb2, stringify([{ hosts: 'all', tasks: [{ block: [log('b1')], rescue: [log('r1')], always: [log('a1')] }] }]));
  const run2 = await runInProcess(inv2, pb2, { forks: 1 });
  t.same(lines(dir2), ['b1-h1', 'a1-h1']);
  t.equal(run2.statuses.gone.b1, 'unreachable');
  t.notOk(run2.statuses.gone.r1 ?? run2.statuses.gone.a1, 'no rescue or always for the unreachable host');
  t.same([run2.summary.recap.gone.unreachable, run2.summary.recap.gone.rescued], [1, 0]);
});
