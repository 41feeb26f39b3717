import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { conditionSyntaxErrors, templateSyntaxErrors } from '../../../src/template/index.ts';
import { createAjv } from '../../../src/source/schema-check.ts';
import { templateTolerant } from '../../../src/template/tolerant.ts';
import { registry, taskModules } from '../../../tasks/index.ts';

t.test('the registry holds every module under its own name, once', async (t) => {
  t.equal(Object.keys(registry).length, taskModules.length, 'no two modules share a name');
  for (const m of taskModules) {
    t.equal(registry[m.name], m);
    t.match(m.name, /^[a-z][a-z0-9_]*$/, `${m.name}: a snake_case name, as Ansible's modules have`);
  }
});

t.test('every module a bundled playbook names is registered', async (t) => {
  const dir = new URL('../../../playbooks/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  t.ok(files.length > 0, 'there are bundled playbooks');
  const named = new Set<string>();
  const visit = (tasks: unknown): void => {
    for (const task of (tasks ?? []) as Array<Record<string, unknown>>) {
      for (const key of Object.keys(task)) if (/^[a-z][a-z0-9_]*$/.test(key) && !TASK_KEYWORDS.has(key)) named.add(key);
    }
  };
  for (const f of files) {
    for (const play of parse(readFileSync(new URL(f, dir), 'utf8')) as Array<Record<string, unknown>>) {
      visit(play.tasks);
      visit(play.handlers);
    }
  }
  t.ok(named.size > 5, 'the playbooks use modules');
  for (const name of named) t.ok(registry[name], `${name} is registered`);
});

const TASK_KEYWORDS = new Set([
  'name', 'when', 'register', 'become', 'become_user', 'run_once', 'delegate_to', 'tags', 'retries', 'until', 'delay',
  'failed_when', 'changed_when', 'ignore_errors', 'notify', 'vars', 'no_log', 'check_mode', 'listen', 'timeout',
]);

t.test('schemas compile, are closed objects and describe every property', async (t) => {
  const ajv = createAjv();
  for (const m of taskModules) {
    t.doesNotThrow(() => ajv.compile(m.schema), `${m.name} schema compiles`);
    t.equal(m.schema.type, 'object', `${m.name}: type object`);
    t.ok(m.description.length > 40, `${m.name}: has a description`);
    if (m.name === 'set_fact') continue;
    t.equal(m.schema.additionalProperties, false, `${m.name}: unknown arguments are refused`);
    for (const [key, prop] of Object.entries(m.schema.properties as Record<string, { description?: string }>)) {
      t.ok(prop.description, `${m.name}.${key} has a description`);
    }
    if (m.freeForm) t.ok(key(m.schema, m.freeForm), `${m.name}: freeForm names a property`);
    for (const raw of m.rawArgs ?? []) t.ok(key(m.schema, raw), `${m.name}: rawArg ${raw} is a property`);
  }
});

const key = (schema: Record<string, unknown>, name: string): boolean =>
  Object.hasOwn(schema.properties as Record<string, unknown>, name);

t.test('every example is one task whose arguments validate and whose templates parse', async (t) => {
  const ajv = createAjv();
  for (const m of taskModules) {
    t.ok(m.examples.length > 0, `${m.name} has examples`);
    // As the playbook loader does: a whole-value template is checked after templating.
    const validate = templateTolerant(ajv.compile(m.schema));
    for (const example of m.examples) {
      const tasks = parse(example) as Array<Record<string, unknown>>;
      t.equal(tasks.length, 1, `${m.name}: one task per example`);
      const raw = tasks[0][m.name];
      const args = typeof raw === 'string' && m.freeForm ? { [m.freeForm]: raw } : raw;
      t.ok(validate(args), `${m.name} example validates: ${JSON.stringify(validate.errors)}`);
      t.same(templateSyntaxErrors(args), [], `${m.name} example templates parse`);
      for (const rawArg of m.rawArgs ?? []) {
        const value = (args as Record<string, unknown>)[rawArg];
        if (value !== undefined) t.same(conditionSyntaxErrors(value), [], `${m.name} example ${rawArg} parses`);
      }
    }
  }
});

t.test('schemas refuse what they must', async (t) => {
  const ajv = createAjv();
  const valid = (name: string, args: unknown): boolean => ajv.compile(registry[name].schema)(args) as boolean;
  t.notOk(valid('copy', { dest: '/x' }), 'copy needs content or src');
  t.notOk(valid('copy', { dest: '/x', content: 'a', src: 'b' }), 'not both');
  t.notOk(valid('copy', { dest: '/x', content: 'a', mode: 644 }), 'an octal mode written without its leading 0 is refused');
  t.ok(valid('copy', { dest: '/x', content: 'a', mode: 0o644 }), "YAML 1.1's 0644 (the number 420) is the mode 0644");
  t.notOk(valid('file', { path: '/x', mode: 0o4755 }), 'special bits as a number are refused: they are written as a string');
  t.ok(valid('file', { path: '/x', mode: '4755' }));
  t.notOk(valid('file', { path: '/x', mode: '0999' }));
  t.ok(valid('file', { path: '/x', mode: '644' }));
  t.notOk(valid('command', { cmd: 'a', argv: ['a'] }), 'cmd or argv, not both');
  t.notOk(valid('command', { chdir: '/' }), 'a command is required');
  t.notOk(valid('debug', { msg: 'a', var: 'b' }), 'msg or var');
  t.notOk(valid('set_fact', {}), 'set_fact needs a variable');
  t.notOk(valid('set_fact', { 'not-a-name': 1 }), 'set_fact names are identifiers');
  t.notOk(valid('wait_for', { path: '/x', state: 'started' }));
  t.notOk(valid('symlink', { path: '/x' }), 'symlink needs a target');
  t.notOk(valid('stat', { path: '/x', colour: 'red' }), 'unknown keys are refused');
});

t.test('read-only and control-only flags', async (t) => {
  for (const name of ['stat', 'slurp', 'wait_for']) t.equal(registry[name].readOnly, true, `${name} is read-only`);
  for (const name of ['assert', 'fail', 'debug', 'set_fact']) t.equal(registry[name].controlOnly, true, `${name} is control-only`);
  for (const name of ['command', 'shell', 'file', 'copy', 'symlink', 'fetch']) {
    t.notOk(registry[name].readOnly, `${name} can change`);
    t.notOk(registry[name].controlOnly, `${name} touches the host`);
  }
  t.same(registry.assert.rawArgs, ['that']);
  t.same(registry.debug.rawArgs, ['var']);
});
