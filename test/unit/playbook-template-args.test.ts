import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ValidationError } from '../../src/errors.ts';
import { loadPlaybook } from '../../src/playbook/load.ts';
import { registry } from '../../tasks/index.ts';

function writePlaybook(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'playbook-')), 'play.yaml');
  writeFileSync(file, text);
  return file;
}

function messages(file: string): string[] {
  try {
    loadPlaybook(file, registry);
    return [];
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return err.diagnostics.map((d) => d.message);
  }
}

t.test('a whole-value template may stand for a mapping, list or number until run time', async (t) => {
  const file = writePlaybook(`- hosts: all
  tasks:
    - k3s_cni_relink:
        facts: "{{ k3s }}"
    - multus_verify:
        facts: "{{ k3s }}"
        extra_cni_plugins: "{{ plugins }}"
        backup_dir: "{{ dir }}"
`);
  t.same(messages(file), []);
});

t.test('literal values are still checked, next to templated ones', async (t) => {
  const file = writePlaybook(`- hosts: all
  tasks:
    - multus_verify:
        facts: "{{ k3s }}"
        extra_cni_plugins: ipvlan
        colour: red
`);
  t.match(messages(file), [/extra_cni_plugins: must be array, got string/, /unknown key "colour"/]);
});

t.test('the install playbook loads', async (t) => {
  t.same(messages(join(import.meta.dirname, '..', '..', 'playbooks', 'install.yaml')), []);
});
