import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { createAjv } from '../../src/source/schema-check.ts';
import { playbookJsonSchema } from '../../src/playbook/json-schema.ts';
import { handlerKeywordSchemas, playKeywordSchemas, taskKeywordSchemas } from '../../src/playbook/schema.ts';
import { testRegistry } from '../fixtures/playbooks/test-registry.ts';

const schema = playbookJsonSchema(testRegistry) as Record<string, any>;
const validate = createAjv().compile(schema);
const valid = (yamlText: string) => validate(parse(yamlText));

t.test('a standalone draft-07 schema with a title', async (t) => {
  t.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  t.equal(schema.title, 'provision playbook');
  t.doesNotThrow(() => JSON.parse(JSON.stringify(schema)), 'plain JSON');
});

t.test('every keyword and module carries a description', async (t) => {
  for (const [name, s] of Object.entries({ ...playKeywordSchemas, ...taskKeywordSchemas, ...handlerKeywordSchemas })) {
    t.type(s.description, 'string', `${name} has a description`);
  }
  t.match(playKeywordSchemas.gather_facts.description, /ignored/);
  for (const name of Object.keys(testRegistry)) {
    t.equal(schema.definitions.modules[name].description.split('\n')[0], testRegistry[name].description);
    t.ok(schema.definitions.task.properties[name], `${name} is a task key`);
    t.ok(schema.definitions.task.properties[`ansible.builtin.${name}`], `ansible.builtin.${name} is a task key`);
  }
  t.match(schema.definitions.modules.shell.description, /plain string is the `cmd` argument/);
});

t.test('the fixture playbook with every keyword validates', async (t) => {
  const value = parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'playbooks', 'all-keywords.yaml'), 'utf8'));
  t.ok(validate(value), JSON.stringify(validate.errors));
});

t.test('editor-side checks: modules, arguments and keywords', async (t) => {
  t.ok(valid('- hosts: all\n  tasks:\n    - shell: echo hi\n    - ping:\n'), 'free-form string and null arguments');
  t.notOk(valid('- hosts: all\n  tasks:\n    - shel: echo hi\n'), 'unknown module');
  t.notOk(valid('- hosts: all\n  tasks:\n    - shell: a\n      copy: {dest: /x}\n'), 'two modules');
  t.notOk(valid('- hosts: all\n  tasks:\n    - shell: a\n      ansible.builtin.shell: b\n'), 'one module under both spellings');
  t.notOk(valid('- hosts: all\n  tasks:\n    - name: nothing\n'), 'no module');
  t.notOk(valid('- hosts: all\n  tasks:\n    - copy: {dest: /x, mode: 644}\n'), 'argument type');
  t.notOk(valid('- hosts: all\n  tasks:\n    - copy: /x\n'), 'copy has no free-form argument');
  t.notOk(valid('- hosts: all\n  tasks:\n    - copy:\n'), 'copy requires dest');
  t.notOk(valid('- hosts: all\n  tasks:\n    - shell: a\n      listen: x\n'), 'listen outside handlers');
  t.ok(valid('- hosts: all\n  handlers:\n    - name: h\n      shell: a\n      listen: x\n'), 'listen in handlers');
  t.notOk(valid('- tasks: []\n'), 'hosts is required');
  t.notOk(valid('- hosts: all\n  roles: []\n'), 'unknown play keyword');
});

t.test('an empty registry still gives a valid schema', async (t) => {
  const empty = createAjv().compile(playbookJsonSchema({}));
  t.ok(empty(parse('- hosts: all\n')));
});
