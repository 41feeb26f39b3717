import t from 'tap';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createConnection, planConnection } from '../../src/connection/factory.ts';
import { LocalConnection } from '../../src/connection/local.ts';
import { SshConnection } from '../../src/connection/ssh.ts';
import type { InventoryHost } from '../../src/inventory/types.ts';

function host(vars: Record<string, unknown>, name = 'node1'): InventoryHost {
  return { name, vars, groups: ['all'], position: { file: 'inventory.yaml', line: 1, col: 1 } };
}

t.test('defaults: inventory name as address, port 22, current user, strict, ~/.ssh/known_hosts', async (t) => {
  t.same(planConnection(host({}), {}, {}), {
    kind: 'ssh',
    address: 'node1',
    port: 22,
    user: userInfo().username,
    connectTimeoutMs: 10_000,
    hostKeyChecking: 'strict',
    knownHostsFile: join(homedir(), '.ssh', 'known_hosts'),
  });
});

t.test('inventory connection variables become SSH options', async (t) => {
  const plan = planConnection(
    host({
      ansible_host: '10.0.0.5',
      ansible_port: 2222,
      ansible_user: 'ops',
      ansible_ssh_private_key_file: '~/.ssh/id_lab',
      ansible_ssh_private_key_passphrase: 'pp',
      ansible_password: 'pw',
      ansible_ssh_timeout: 3,
      provision_host_key_checking: 'accept-new',
      provision_known_hosts: '/etc/provision/known_hosts',
    }),
    {},
    { SSH_AUTH_SOCK: '/run/agent.sock' },
  );
  t.same(plan, {
    kind: 'ssh',
    address: '10.0.0.5',
    port: 2222,
    user: 'ops',
    privateKeyFile: join(homedir(), '.ssh/id_lab'),
    passphrase: 'pp',
    password: 'pw',
    connectTimeoutMs: 3000,
    hostKeyChecking: 'accept-new',
    knownHostsFile: '/etc/provision/known_hosts',
  }, 'a key file wins over the agent');
});

t.test('ssh-agent is used when no key file is given', async (t) => {
  t.match(planConnection(host({}), {}, { SSH_AUTH_SOCK: '/run/a.sock' }), { agent: '/run/a.sock' });
  t.notOk('agent' in planConnection(host({}), {}, {}));
});

t.test('command-line flags override the inventory', async (t) => {
  const vars = { provision_host_key_checking: 'off', provision_known_hosts: '/a' };
  t.match(planConnection(host(vars), { hostKeyChecking: 'strict', knownHostsFile: '/b' }, {}), {
    hostKeyChecking: 'strict',
    knownHostsFile: '/b',
  });
  t.match(planConnection(host({ ansible_host_key_checking: false }), {}, {}), { hostKeyChecking: 'off' }, "Ansible's switch without a flag");
  t.match(planConnection(host({ ansible_host_key_checking: false }), { hostKeyChecking: 'accept-new' }, {}), { hostKeyChecking: 'accept-new' });
});

t.test('createConnection picks local or ssh', async (t) => {
  const local = createConnection(host({ ansible_connection: 'local' }, 'ctl'));
  t.ok(local instanceof LocalConnection);
  t.equal(local.host, 'ctl');
  const ssh = createConnection(host({ ansible_host: '192.0.2.1', ansible_port: 2022 }));
  t.ok(ssh instanceof SshConnection);
  t.equal(ssh.host, 'node1');
  t.equal((ssh as SshConnection).address, '192.0.2.1');
  t.equal((ssh as SshConnection).port, 2022);
});
