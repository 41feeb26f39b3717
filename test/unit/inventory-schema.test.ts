import { Ajv } from 'ajv';
import t from 'tap';
import { parseYamlText } from '../../src/source/yaml-source.ts';
import { readFileSync } from 'node:fs';
import { inventoryJsonSchema, inventorySchema } from '../../src/inventory/schema.ts';
import { KNOWN_VARS } from '../../src/inventory/known-vars.ts';

t.test('the schema compiles under strict ajv, as editors and other tools will read it', async (t) => {
  const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(inventoryJsonSchema());
  for (const file of ['inventory/hosts.yaml', 'inventory/k3s-ansible.yaml']) {
    t.ok(validate(parseYamlText(readFileSync(file, 'utf8'), file).value), file);
  }
  // A string port is Ansible's to convert at use; a list can never be one.
  t.ok(validate({ all: { hosts: { n1: { ansible_port: '22' } } } }));
  t.notOk(validate({ all: { hosts: { n1: { ansible_port: [22] } } } }));
});

t.test('every known key carries a description', async (t) => {
  const missing: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (typeof node !== 'object' || node === null) return;
    const props = (node as { properties?: Record<string, unknown> }).properties;
    for (const [key, child] of Object.entries(props ?? {})) {
      if (typeof (child as { description?: unknown }).description !== 'string') missing.push(`${path}.${key}`);
    }
    for (const [key, child] of Object.entries(node)) walk(child, `${path}.${key}`);
  };
  walk(inventorySchema, '');
  t.same(missing, []);
  const hostVars = inventorySchema.definitions.hostVars.properties;
  t.same(Object.keys(hostVars).sort(), Object.keys(KNOWN_VARS).sort());
  t.match(hostVars.ansible_password.description, /Secret/);
});

t.test('callers get their own copy', async (t) => {
  const copy = inventoryJsonSchema();
  (copy as { title: string }).title = 'changed';
  t.equal(inventorySchema.title, 'provision inventory');
});
