/**
 * The differential harness: one playbook of `debug` tasks, one task per case, run once by
 * the real ansible-playbook (json stdout callback) and once by provision in-process; each
 * case's status (ok / skipped / failed) and `msg` value are compared. Cases are YAML lists
 * of `{ name, msg, when?, error?, differs? }`: `error: true` says both must fail (messages
 * differ by design), `differs` is the reason a case is meant to come out differently.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runAnsible } from '../helpers/ansible.ts';
import { runInProcess } from '../helpers/run-provision.ts';

export interface ExpressionCase {
  name: string;
  msg: unknown;
  when?: unknown;
  error?: boolean;
  differs?: string;
  /** `file/name`: unique, the task name in both runs. */
  id: string;
}

export interface CaseResult {
  status: 'ok' | 'skipped' | 'failed';
  msg?: unknown;
}

export function loadCases(dir: string): { cases: ExpressionCase[]; vars: Record<string, unknown> } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const vars = parse(readFileSync(join(dir, 'vars.yaml'), 'utf8'), { version: '1.1' }) as Record<string, unknown>;
  const cases: ExpressionCase[] = [];
  for (const file of files.filter((f) => f !== 'vars.yaml')) {
    const list = parse(readFileSync(join(dir, file), 'utf8'), { version: '1.1' }) as Array<Omit<ExpressionCase, 'id'>>;
    for (const c of list) cases.push({ ...c, id: `${file.replace(/\.yaml$/, '')}/${c.name}` });
  }
  return { cases, vars };
}

function playbook(cases: ExpressionCase[], vars: Record<string, unknown>, forAnsible: boolean): string {
  const tasks = cases.map((c) => ({
    name: c.id,
    debug: { msg: c.msg },
    ...(c.when !== undefined ? { when: c.when } : {}),
    ignore_errors: true,
  }));
  const play = { hosts: 'localhost', ...(forAnsible ? { connection: 'local' } : {}), gather_facts: false, vars, tasks };
  if (!forAnsible) delete (play as Record<string, unknown>).gather_facts;
  return stringify([play], { lineWidth: 0 });
}

interface AnsibleJsonOutput {
  plays: Array<{ tasks: Array<{ task: { name: string }; hosts: Record<string, Record<string, unknown>> }> }>;
}

export async function runAnsibleCases(cases: ExpressionCase[], vars: Record<string, unknown>, extraVars: Record<string, string>): Promise<Map<string, CaseResult>> {
  const dir = mkdtempSync(join(tmpdir(), 'parity-ansible-'));
  writeFileSync(join(dir, 'play.yaml'), playbook(cases, vars, true));
  const extra = Object.entries(extraVars).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const run = await runAnsible('ansible-playbook', ['-i', 'localhost,', ...extra, 'play.yaml'], { cwd: dir, env: { ANSIBLE_STDOUT_CALLBACK: 'json' } });
  let out: AnsibleJsonOutput;
  try {
    out = JSON.parse(run.stdout) as AnsibleJsonOutput;
  } catch {
    throw new Error(`ansible-playbook printed no JSON (exit ${run.code}): ${run.stdout.slice(0, 800)}${run.stderr}`);
  }
  const results = new Map<string, CaseResult>();
  for (const task of out.plays[0].tasks) {
    const r = task.hosts.localhost;
    const status = r.skipped ? 'skipped' : r.failed ? 'failed' : 'ok';
    results.set(task.task.name, status === 'ok' ? { status, msg: r.msg } : { status });
  }
  return results;
}

export async function runProvisionCases(cases: ExpressionCase[], vars: Record<string, unknown>, extraVars: Record<string, string>): Promise<Map<string, CaseResult>> {
  const dir = mkdtempSync(join(tmpdir(), 'parity-provision-'));
  writeFileSync(join(dir, 'play.yaml'), playbook(cases, vars, false));
  writeFileSync(join(dir, 'inventory.yaml'), stringify({ all: { hosts: { localhost: { ansible_connection: 'local' } } } }));
  const run = await runInProcess(join(dir, 'inventory.yaml'), join(dir, 'play.yaml'), { extraVars });
  const results = new Map<string, CaseResult>();
  for (const e of run.events) {
    if (e.type !== 'host_result') continue;
    const status = e.status === 'skipped' ? 'skipped' : e.status === 'failed' ? 'failed' : 'ok';
    const data = e.result.data as Record<string, unknown> | undefined;
    results.set(e.task, status === 'ok' ? { status, msg: data?.msg } : { status });
  }
  return results;
}

/** Same outcome: same status, and for ok the same msg (deep, types included); an error case only needs both to fail. */
export function sameOutcome(c: ExpressionCase, a: CaseResult | undefined, p: CaseResult | undefined): boolean {
  if (!a || !p || a.status !== p.status) return false;
  if (c.error) return a.status === 'failed';
  return a.status !== 'ok' || canonical(a.msg) === canonical(p.msg);
}

/** JSON with mapping keys sorted: Ansible's json callback prints keys sorted, so their order is not compared. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
