import t from 'tap';
import { ValidationError } from '../../src/errors.ts';
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

t.test('YAML duplicate keys: every one reported, positioned', async (t) => {
  const f = 'test/fixtures/inventory/duplicate-key.yaml';
  t.same(problems(() => loadInventory(f)), [`${f}:5:7: Map keys must be unique`, `${f}:11:5: Map keys must be unique`]);
});

t.test('wrong types, unknown values and list-shaped hosts: all reported at once', async (t) => {
  const f = 'test/fixtures/inventory/mistakes.yaml';
  t.same(problems(() => loadInventory(f)), [
    `${f}:7:25: ansible_port: must be integer, got string`,
    `${f}:8:31: ansible_connection: must be one of "ssh", "local"`,
    `${f}:11:9: hosts must be a mapping of host names, got list`,
  ]);
  try {
    loadInventory(f);
  } catch (err) {
    t.equal((err as ValidationError).exitCode, 4);
    t.equal((err as ValidationError).diagnostics.length, 3);
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
  t.same(problems(() => parseInventory(inv, 'inv.yaml')), [
    'inv.yaml:3:19: ansible_port: must be <= 65535',
    'inv.yaml:4:21: ansible_become: must be one of true, false, "yes", "no", "on", "off"',
    'inv.yaml:5:26: ansible_ssh_timeout: must be integer, got number',
    'inv.yaml:6:34: provision_host_key_checking: must be one of "strict", "accept-new", "off"',
    'inv.yaml:7:32: ansible_host_key_checking: must be boolean, got string',
    'inv.yaml:8:29: ansible_group_priority: must be integer, got string',
    'inv.yaml:11:21: ansible_user: must be string, got number',
    'inv.yaml:12:43: ansible_ssh_private_key_passphrase: must be string, got list',
  ]);
});

t.test('Ansible booleans yes/no are accepted', async (t) => {
  const inv = parseInventory('all:\n  vars:\n    ansible_become: yes\n  hosts:\n    n1:\n', 'inv.yaml');
  t.equal(inv.host('n1')!.vars.ansible_become, 'yes');
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
    'inv.yaml:8:10: hosts must be a mapping of host names, got string',
    'inv.yaml:9:9: vars of group "web" must be a mapping of variable names, got list',
    'inv.yaml:10:3: unknown key "host" in web',
    'inv.yaml:14:9: host "n1" must be a mapping of variables or empty, got string (for an address write ansible_host: …)',
  ]);
  t.same(problems(() => parseInventory('- all\n', 'inv.yaml')), ['inv.yaml:1:1: inventory must be a mapping of group names (all, …), got list']);
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
  t.same(problems(() => parseInventory(inv, 'inv.yaml')), [
    'inv.yaml:5:5: "db" is both a group and a host (host at line 3); rename one of them',
  ]);
});

t.test('syntax errors stop before any other check', async (t) => {
  const out = problems(() => parseInventory('all:\n  hosts: [a\n', 'inv.yaml'));
  t.ok(out.length >= 1);
  t.match(out[0], /^inv\.yaml:\d+:\d+: /);
});
