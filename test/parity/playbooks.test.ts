/**
 * Playbook keywords side by side with ansible-core 2.14: each file in
 * test/parity/cases/playbooks is a list of tasks, run as one play on localhost by both;
 * every task's status and `attempts` must agree.
 */
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runAnsible } from '../helpers/ansible.ts';
import { runInProcess } from '../helpers/run-provision.ts';

const dir = join(import.meta.dirname, 'cases', 'playbooks');

interface Outcome {
  status: string;
  attempts?: unknown;
  /** debug's message (and a loop's summary). */
  msg?: unknown;
}

/** Failure messages are each tool's own; a status, attempts and a message of a task that did not fail are compared. */
function outcome(status: string, attempts: unknown, msg: unknown): Outcome {
  const o: Outcome = { status };
  if (attempts !== undefined) o.attempts = attempts;
  if (msg !== undefined && status !== 'failed' && status !== 'skipped') o.msg = msg;
  return o;
}

async function ansibleRun(tasks: unknown[]): Promise<Map<string, Outcome>> {
  const work = mkdtempSync(join(tmpdir(), 'parity-ansible-'));
  writeFileSync(join(work, 'play.yaml'), stringify([{ hosts: 'localhost', connection: 'local', gather_facts: false, tasks }]));
  const run = await runAnsible('ansible-playbook', ['-i', 'localhost,', 'play.yaml'], { cwd: work, env: { ANSIBLE_STDOUT_CALLBACK: 'json' } });
  const out = JSON.parse(run.stdout) as { plays: Array<{ tasks: Array<{ task: { name: string }; hosts: Record<string, Record<string, unknown>> }> }> };
  const results = new Map<string, Outcome>();
  for (const task of out.plays[0].tasks) {
    const r = task.hosts.localhost;
    const status = r.skipped ? 'skipped' : r.failed ? 'failed' : r.changed ? 'changed' : 'ok';
    results.set(task.task.name, outcome(status, r.attempts, r.msg));
  }
  return results;
}

async function provisionRun(tasks: unknown[]): Promise<Map<string, Outcome>> {
  const work = mkdtempSync(join(tmpdir(), 'parity-provision-'));
  writeFileSync(join(work, 'play.yaml'), stringify([{ hosts: 'localhost', tasks }]));
  writeFileSync(join(work, 'inventory.yaml'), stringify({ all: { hosts: { localhost: { ansible_connection: 'local' } } } }));
  const run = await runInProcess(join(work, 'inventory.yaml'), join(work, 'play.yaml'));
  const results = new Map<string, Outcome>();
  for (const e of run.events) {
    if (e.type !== 'host_result') continue;
    const data = e.result.data as Record<string, unknown> | undefined;
    results.set(e.task, outcome(e.status, data?.attempts, e.status === 'failed' ? undefined : data?.msg ?? (data?.results ? e.result.msg : undefined)));
  }
  return results;
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
  t.test(file, async (t) => {
    const tasks = parse(readFileSync(join(dir, file), 'utf8'), { version: '1.1' }) as Array<{ name: string }>;
    const [ansible, provision] = await Promise.all([ansibleRun(tasks), provisionRun(tasks)]);
    // Messages of other modules are each tool's own words; debug's and a loop's summary are compared.
    const compared = new Set(tasks.filter((task) => 'debug' in task || 'loop' in task).map((task) => task.name));
    for (const o of [...ansible, ...provision]) if (!compared.has(o[0])) delete o[1].msg;
    for (const task of tasks) {
      t.same(provision.get(task.name), ansible.get(task.name), `${task.name}: ansible ${JSON.stringify(ansible.get(task.name))}`);
    }
  });
}
