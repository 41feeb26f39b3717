import t from 'tap';
import { parse } from 'yaml';
import { conditionSyntaxErrors, templateSyntaxErrors } from '../../../src/playbook/template.ts';
import { createAjv } from '../../../src/source/schema-check.ts';
import { templateTolerant } from '../../../src/playbook/template-tolerant.ts';
import { registry, taskModules } from '../../../tasks/index.ts';

const EXPECTED = [
  'assert', 'command', 'copy', 'debug', 'fail', 'fetch', 'file', 'install_record', 'k3s_cni_backup', 'k3s_cni_relink',
  'k3s_facts', 'kubectl_apply', 'kubectl_delete', 'kubectl_get', 'multus_manifest', 'multus_smoke', 'multus_verify', 'set_fact', 'shell', 'slurp', 'stat', 'symlink', 'wait_daemonset', 'wait_for',
];

t.test('the registry holds every module under its name', async (t) => {
  t.same(Object.keys(registry).sort(), EXPECTED);
  t.equal(taskModules.length, EXPECTED.length);
  for (const m of taskModules) t.equal(registry[m.name], m);
});

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
  t.notOk(valid('copy', { dest: '/x', content: 'a', mode: 644 }), 'a numeric mode is ambiguous');
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
