/**
 * Inputs built to exhaust the controller end with a positioned error or a failed task,
 * never with the process dying. The attacks: a YAML "billion laughs" playbook (aliases of
 * aliases) and templates that double a list forty times (2^40 items).
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, runInProcess } from './../helpers/run-provision.ts';
import { buildScope } from '../../src/engine/scope.ts';
import { renderValue } from '../../src/template/index.ts';

const BOMB = `- hosts: all
  vars:
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  tasks:
    - debug: msg=hi
`;

t.test('a YAML alias bomb is invalid input at its position: exit 4, not an internal error', async (t) => {
  const dir = t.testdir({ 'bomb.yaml': BOMB });
  const run = await runCli(['validate', '-i', 'inventory/hosts.yaml', join(dir, 'bomb.yaml')]);
  t.equal(run.code, 4, run.stderr);
  t.match(run.stderr, /bomb\.yaml:4:12: Excessive alias count .*more than 100 alias expansions/);
  t.notMatch(run.stderr, 'internal error');
});

function doublingVars(levels: number): Record<string, unknown> {
  const vars: Record<string, unknown> = { v0: ['x'] };
  for (let i = 1; i <= levels; i++) vars[`v${i}`] = `{{ v${i - 1} + v${i - 1} }}`;
  return vars;
}

t.test('templates that double a value stop at the size limit with an error', async (t) => {
  const scope = buildScope([doublingVars(40)]);
  t.throws(() => renderValue('{{ v40 | length }}', scope), /template result exceeds 16777216 characters and items/);
  const text = buildScope([{ s0: 'xxxxxxxx', ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`s${i + 1}`, `{{ s${i} }}{{ s${i} }}`])) }]);
  t.throws(() => renderValue('{{ s40 }}', text), /exceeds/, 'text doubling too');
  const nested = buildScope([{ n0: ['x'], ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`n${i + 1}`, `{{ [n${i}, n${i}] }}`])) }]);
  t.throws(() => renderValue('{{ n40 | to_json }}', nested), /exceeds/, 'nesting (shared references) is counted too');
  t.equal(renderValue('{{ v10 | length }}', scope), 1024, 'a modest value is fine');
});

t.test('in a run, the task fails on its host and the run ends normally', async (t) => {
  const dir = t.testdir();
  const inv = join(dir, 'inv.yaml');
  writeFileSync(inv, stringify({ all: { hosts: { h1: { ansible_connection: 'local' } } } }));
  const pb = join(dir, 'pb.yaml');
  writeFileSync(pb, stringify([{ hosts: 'all', vars: doublingVars(40), tasks: [{ name: 'grow', debug: { msg: '{{ v40 | length }}' } }] }]));
  const run = await runInProcess(inv, pb);
  t.equal(run.summary.exitCode, 1);
  t.match(run.summary.failures.h1, /grow: .*template result exceeds/);
});
