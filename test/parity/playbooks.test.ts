/**
 * Playbook keywords side by side with ansible-core 2.14: each file in
 * test/parity/cases/playbooks is a list of tasks, run as one play on localhost by both;
 * every task's status and `attempts` must agree, and so must the recap's failed and rescued.
 */
import t from 'tap';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runAnsible } from '../helpers/ansible.ts';
import { runInProcess } from '../helpers/run-provision.ts';

const dir = join(import.meta.dirname, 'cases', 'playbooks');


/** What is compared per task run: status, attempts, and the message of a debug task or a loop's summary. */
interface Outcome {
  name: string;
  status: string;
  attempts?: unknown;
  msg?: unknown;
}

/** A temp dir with the case's play and the shared files/ beside it. */
function workDir(prefix: string, play: Record<string, unknown>): string {
  const work = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(dir, 'files'), join(work, 'files'), { recursive: true });
  writeFileSync(join(work, 'play.yaml'), stringify([play]));
  return work;
}

type AnsibleTask = { task: { name: string }; hosts: Record<string, Record<string, unknown>> };

/** Ansible's task runs in order, with whether each one's message is compared. */
interface Counts {
  failed: number;
  rescued: number;
}

async function ansibleRun(play: Record<string, unknown>): Promise<{ runs: Array<Outcome & { compareMsg: boolean }>; counts: Counts }> {
  const work = workDir('parity-ansible-', { hosts: 'localhost', connection: 'local', gather_facts: false, ...play });
  const run = await runAnsible('ansible-playbook', ['-i', 'localhost,', 'play.yaml'], { cwd: work, env: { ANSIBLE_STDOUT_CALLBACK: 'json' } });
  const out = JSON.parse(run.stdout) as { plays: Array<{ tasks: AnsibleTask[] }>; stats: Record<string, { failures: number; rescued: number }> };
  const counts = { failed: out.stats.localhost.failures, rescued: out.stats.localhost.rescued };
  // include_tasks is itself an entry in Ansible's output; its tasks follow it.
  const runs = out.plays[0].tasks
    .filter((task) => task.hosts.localhost && !['include_tasks', 'ansible.builtin.include_tasks'].includes(String(task.hosts.localhost.action)))
    .map((task) => {
      const r = task.hosts.localhost;
      const status = r.skipped ? 'skipped' : r.failed ? 'failed' : r.changed ? 'changed' : 'ok';
      const compareMsg = status !== 'failed' && status !== 'skipped' && (r.action === 'debug' || Array.isArray(r.results));
      return { name: task.task.name, status, attempts: r.attempts, msg: r.msg, compareMsg };
    });
  return { runs, counts };
}

async function provisionRun(play: Record<string, unknown>): Promise<{ runs: Outcome[]; counts: Counts }> {
  const work = workDir('parity-provision-', { hosts: 'localhost', ...play });
  writeFileSync(join(work, 'inventory.yaml'), stringify({ all: { hosts: { localhost: { ansible_connection: 'local' } } } }));
  const run = await runInProcess(join(work, 'inventory.yaml'), join(work, 'play.yaml'));
  const runs = run.events.flatMap((e) => {
    if (e.type !== 'host_result') return [];
    const data = e.result.data as Record<string, unknown> | undefined;
    return [{ name: e.task, status: e.status, attempts: data?.attempts, msg: data?.results ? e.result.msg : data?.msg }];
  });
  const recap = run.summary.recap.localhost;
  return { runs, counts: { failed: recap.failed, rescued: recap.rescued } };
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
  t.test(file, async (t) => {
    // A case is a list of tasks, or a play's keys with `tasks`.
    const read = parse(readFileSync(join(dir, file), 'utf8'), { version: '1.1' }) as unknown;
    const play = (Array.isArray(read) ? { tasks: read } : read) as Record<string, unknown>;
    const [a, p] = await Promise.all([ansibleRun(play), provisionRun(play)]);
    const [ansible, provision] = [a.runs, p.runs];
    const shown = (o: Outcome | undefined, compareMsg: boolean) =>
      o && { name: o.name, status: o.status, attempts: o.attempts, ...(compareMsg ? { msg: o.msg } : {}) };
    t.equal(provision.length, ansible.length, 'as many task runs');
    for (const [i, a] of ansible.entries()) {
      t.same(shown(provision[i], a.compareMsg), shown(a, a.compareMsg), `${i + 1}. ${a.name}`);
    }
    t.same(p.counts, a.counts, 'recap: failed and rescued');
  });
}
