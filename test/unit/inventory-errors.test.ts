import t from 'tap';
import { formatDiagnostic, ValidationError } from '../../src/errors.ts';
import { loadInventory, parseInventory } from '../../src/inventory/load.ts';

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ValidationError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a ValidationError');
}

t.test('YAML duplicate keys: a warning each, positioned, the last value used (as Ansible)', async (t) => {
  const f = 'test/fixtures/inventory/duplicate-key.yaml';
  const inv = loadInventory(f);
  t.same(inv.warnings.map(formatDiagnostic), [
    `${f}:5:7: duplicate key "ansible_host" (first at line 4); the last value is used, as Ansible does`,
    `${f}:11:5: duplicate key "agent" (first at line 8); the last value is used, as Ansible does`,
  ]);
  t.equal(inv.host('node1')!.vars.ansible_host, '10.0.0.2');
  // The later `agent:` replaces the earlier one whole, vars included (PyYAML's last value).
  t.equal(inv.host('node2')!.vars.k3s_data_dir, undefined);
});

t.test('wrong types and list-shaped hosts: all reported at once, beside the duplicate key warning', async (t) => {
  const f = 'test/fixtures/inventory/mistakes.yaml';
  t.same(problems(() => loadInventory(f)), [
    `${f}:8:25: ansible_port: must be integer or string, got list`,
    `${f}:10:31: ansible_connection: must be string, got list`,
    `${f}:13:9: hosts must be a mapping of host names, got list`,
  ]);
  try {
    loadInventory(f);
  } catch (err) {
    t.equal((err as ValidationError).exitCode, 4);
    t.equal((err as ValidationError).diagnostics.length, 3);
    t.same((err as ValidationError).warnings.map(formatDiagnostic), [
      `${f}:10:11: duplicate key "ansible_connection" (first at line 9); the last value is used, as Ansible does`,
    ]);
  }
});

t.test('typed connection variables', async (t) => {
  const inv = `all:
  vars:
    ansible_port: 70000
    ansible_become: maybe
    ansible_ssh_timeout: 2.5
    provision_host_key_checking: loose
    ansible_host_key_checking: "no"
    ansible_group_priority: high
  hosts:
    n1:
      ansible_user: 1000
      ansible_ssh_private_key_passphrase: [a]
      free_form: [any, value]
`;
  // Strings and numbers Ansible converts where they are used (ansible_become: maybe is
  // refused then, see inventory-connection.test.ts); what can never work is refused here.
  t.same(problems(() => parseInventory(inv, 'inv.yaml')), [
    'inv.yaml:3:19: ansible_port: must be <= 65535',
    'inv.yaml:5:26: ansible_ssh_timeout: must be integer or string, got number',
    'inv.yaml:6:34: provision_host_key_checking: must be one of "strict", "accept-new", "off"',
    'inv.yaml:8:29: ansible_group_priority: must be integer, got string',
    'inv.yaml:12:43: ansible_ssh_private_key_passphrase: must be string, got list',
  ]);
});

t.test('YAML 1.1 as Ansible reads it: yes/no/on/off are booleans, y/n strings, 0644 octal, << merges', async (t) => {
  const inv = parseInventory(
    'all:\n  vars:\n    ansible_become: yes\n    a: off\n    b: y\n    mode: 0644\n    base: &base {x: 1, z: 2}\n    merged:\n      <<: *base\n      z: 3\n    c: 1e3\n    d: 08\n  hosts:\n    n1:\n',
    'inv.yaml',
  );
  const v = inv.host('n1')!.vars;
  t.equal(v.ansible_become, true);
  t.equal(v.a, false);
  t.equal(v.b, 'y');
  t.equal(v.mode, 0o644);
  t.same(v.merged, { x: 1, z: 3 });
  t.equal(v.c, '1e3');
  t.equal(v.d, '08');
});

t.test('shape mistakes get messages that name them, once each', async (t) => {
  const inv = `all:
  children:
    - server
    - agent
web:
  children:
    db: just-a-string
  hosts: node1
  vars: [a, b]
  host:
    n9:
cache:
  hosts:
    n1: 10.0.0.1
`;
  t.same(problems(() => parseInventory(inv, 'inv.yaml')), [
    'inv.yaml:3:5: children must be a mapping of group names, got list',
    'inv.yaml:7:9: group "db" must be a mapping (hosts, children, vars) or empty, got string',
    'inv.yaml:9:9: vars of group "web" must be a mapping of variable names, got list',
    'inv.yaml:14:9: host "n1" must be a mapping of variables or empty, got string (for an address write ansible_host: …)',
  ]);
  t.same(problems(() => parseInventory('- all\n', 'inv.yaml')), ['inv.yaml:1:1: inventory must be a mapping of group names (all, …), got list']);
});

t.test('what Ansible skips with a warning is a warning: an unknown group key; a string is one name', async (t) => {
  const inv = parseInventory('web:\n  hosts: node1\n  host:\n    n9:\n  children: db\n', 'inv.yaml');
  t.same(inv.warnings.map(formatDiagnostic), ['inv.yaml:3:3: group "web": unknown key "host" skipped (only hosts, children and vars are read, as in Ansible)']);
  t.same(inv.groups.web, ['node1']);
  t.same(inv.groups.db, []);
});

t.test('a group that is its own ancestor', async (t) => {
  const inv = `all:
  children:
    a:
      children:
        b:
          children:
            c:
    c:
      children:
        a:
    self:
      children:
        self:
`;
  t.same(problems(() => parseInventory(inv, 'inv.yaml')), [
    'inv.yaml:10:9: group "a" is its own ancestor: a -> b -> c -> a',
    'inv.yaml:13:9: group "self" is its own ancestor: self -> self',
  ]);
});

t.test('all nested under another group is a cycle', async (t) => {
  t.same(problems(() => parseInventory('web:\n  children:\n    all:\n', 'inv.yaml')), [
    'inv.yaml:3:5: group "all" is its own ancestor: all -> web -> all',
  ]);
});

t.test('a name used for both a host and a group', async (t) => {
  const inv = `all:
  hosts:
    db:
  children:
    db:
      hosts:
        n1:
`;
  const loaded = parseInventory(inv, 'inv.yaml');
  t.same(loaded.warnings.map(formatDiagnostic), ['inv.yaml:5:5: "db" is both a group and a host (host at line 3); a pattern "db" means the host (as in Ansible)']);
  t.same(loaded.select('db'), ['db']);
  t.same(loaded.select('db*'), ['n1', 'db']);
});

t.test('syntax errors stop before any other check', async (t) => {
  const out = problems(() => parseInventory('all:\n  hosts: [a\n', 'inv.yaml'));
  t.ok(out.length >= 1);
  t.match(out[0], /^inv\.yaml:\d+:\d+: /);
});
