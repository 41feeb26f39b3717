import t from 'tap';
import { loadInventory, parseInventory } from '../../src/inventory/load.ts';

t.test('the k3s-ansible inventory loads unchanged', async (t) => {
  const inv = loadInventory('inventory/k3s-ansible.yaml');
  t.same(inv.hosts.map((h) => h.name), ['192.16.35.11', '192.16.35.12', '192.16.35.13']);
  t.same(inv.groups.server, ['192.16.35.11']);
  t.same(inv.groups.agent, ['192.16.35.12', '192.16.35.13']);
  t.same(inv.groups.k3s_cluster, ['192.16.35.11', '192.16.35.12', '192.16.35.13']);
  t.same(inv.groups.all, inv.groups.k3s_cluster);
  t.same(inv.groups.ungrouped, []);
  t.same(inv.select('server'), ['192.16.35.11']);
  t.same(inv.select('agent'), ['192.16.35.12', '192.16.35.13']);
  const agent = inv.host('192.16.35.13')!;
  t.same(agent.groups, ['all', 'k3s_cluster', 'agent']);
  t.match(agent.vars, { ansible_port: 22, ansible_user: 'debian', token: 'changeme!', k3s_data_dir: '/var/lib/rancher/k3s', multus_version: 'v4.3.0' });
  t.match(agent.vars.api_endpoint, /^\{\{ hostvars/);
  t.same(agent.position, { file: 'inventory/k3s-ansible.yaml', line: 13, col: 9 });
  t.equal(inv.file, 'inventory/k3s-ansible.yaml');
});

t.test('the plain example inventory loads unchanged', async (t) => {
  const inv = loadInventory('inventory/hosts.yaml');
  t.same(inv.groups.server, ['cp1']);
  t.same(inv.groups.agent, ['worker1', 'worker2']);
  t.match(inv.host('cp1')!.vars, { ansible_user: 'ubuntu', ansible_host: '192.168.10.11', ansible_become: true });
  t.match(inv.host('worker2')!.vars, { ansible_user: 'k3s', ansible_port: 2222 });
  t.equal(inv.host('nope'), undefined);
});

t.test('nested children: a host belongs to every ancestor group', async (t) => {
  const inv = parseInventory(
    `all:
  children:
    k3s_cluster:
      children:
        server:
          children:
            etcd:
              hosts:
                s1:
          hosts:
            s2:
        agent:
          hosts:
            a1:
`,
    'inv.yaml',
  );
  t.same(inv.hosts.map((h) => h.name), ['s1', 's2', 'a1'], 'file order');
  t.same(inv.groups.etcd, ['s1']);
  // As Ansible's Group.get_hosts: the group's own hosts, then its children's, level by level.
  t.same(inv.groups.server, ['s2', 's1']);
  t.same(inv.groups.k3s_cluster, ['s2', 'a1', 's1']);
  t.same(inv.host('s1')!.groups, ['all', 'k3s_cluster', 'server', 'etcd']);
  t.same(inv.host('s1')!.position, { file: 'inv.yaml', line: 9, col: 17 });
});

t.test('a host in several groups keeps its first position and collects every group', async (t) => {
  const inv = parseInventory(
    `all:
  hosts:
    lone:
  children:
    web:
      hosts:
        n1:
          ansible_host: 10.0.0.1
        n2:
    db:
      hosts:
        n3:
        n1:
          ansible_port: 2200
monitoring:
  hosts:
    n2:
`,
    'inv.yaml',
  );
  t.same(inv.hosts.map((h) => h.name), ['lone', 'n1', 'n2', 'n3']);
  const n1 = inv.host('n1')!;
  t.same(n1.position, { file: 'inv.yaml', line: 7, col: 9 });
  t.same(n1.groups, ['all', 'db', 'web']);
  t.same(n1.vars, { ansible_host: '10.0.0.1', ansible_port: 2200 }, 'host vars from both places merge');
  t.same(inv.groups.db, ['n3', 'n1'], "group members in the group's own order");
  t.same(inv.groups.monitoring, ['n2'], 'a top-level group other than all');
  t.same(inv.host('n2')!.groups, ['all', 'monitoring', 'web']);
  t.same(inv.groups.ungrouped, ['lone'], 'hosts only in all form ungrouped');
  t.same(inv.host('lone')!.groups, ['all', 'ungrouped']);
  t.same(Object.keys(inv.groups), ['all', 'ungrouped', 'web', 'db', 'monitoring']);
});

t.test('a group written in two places merges', async (t) => {
  const inv = parseInventory(
    `k3s_cluster:
  children:
    server:
    agent:
server:
  hosts:
    s1:
agent:
  hosts:
    a1:
  vars:
    role: agent
`,
    'inv.yaml',
  );
  t.same(inv.groups.k3s_cluster, ['s1', 'a1']);
  t.same(inv.host('a1')!.groups, ['all', 'k3s_cluster', 'agent'], 'agent is a child of k3s_cluster, not of all');
  t.equal(inv.host('a1')!.vars.role, 'agent');
});

t.test('host ranges expand as in Ansible', async (t) => {
  const inv = parseInventory(
    `all:
  hosts:
    node[01:03]:
      ansible_user: k3s
    db-[a:b].lan:
    w[0:4:2]:
`,
    'inv.yaml',
  );
  t.same(inv.hosts.map((h) => h.name), ['node01', 'node02', 'node03', 'db-a.lan', 'db-b.lan', 'w0', 'w2', 'w4']);
  t.equal(inv.host('node02')!.vars.ansible_user, 'k3s');
  t.same(inv.host('node03')!.position, { file: 'inv.yaml', line: 3, col: 5 });
  t.throws(() => parseInventory('all:\n  hosts:\n    n[01:9]:\n', 'inv.yaml'), {
    message: /inv\.yaml:3:5: host range "n\[01:9\]": zero-padded start and end must have the same width/,
  });
});

t.test('empty groups and hosts are fine; an empty file is not', async (t) => {
  const inv = parseInventory('all:\n  hosts:\n    n1:\nempty:\nalso_empty:\n  hosts:\n  children:\n  vars:\n', 'inv.yaml');
  t.same(inv.groups.empty, []);
  t.same(inv.groups.also_empty, []);
  t.same(inv.host('n1')!.vars, {});
  t.throws(() => parseInventory('# nothing\n', 'inv.yaml'), { message: /inv\.yaml:1:1: inventory is empty/ });
  t.throws(() => loadInventory('test/fixtures/inventory/does-not-exist.yaml'), { message: /does-not-exist\.yaml: cannot read: no such file/ });
});
