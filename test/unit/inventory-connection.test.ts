import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ValidationError } from '../../src/errors.ts';
import { connectionSettings } from '../../src/inventory/connection-vars.ts';
import { parseInventory } from '../../src/inventory/load.ts';
import type { InventoryHost } from '../../src/inventory/types.ts';

const host = (vars: Record<string, unknown>, name = 'node1'): InventoryHost => ({
  name,
  vars,
  groups: ['all'],
  position: { file: 'inv.yaml', line: 3, col: 5 },
});

t.test('defaults', async (t) => {
  t.same(connectionSettings(host({})), {
    address: 'node1',
    port: 22,
    user: userInfo().username,
    connection: 'ssh',
    become: { enabled: false, user: 'root' },
    hostKeyChecking: 'strict',
    knownHostsFile: join(homedir(), '.ssh', 'known_hosts'),
    connectTimeoutMs: 10000,
  });
});

t.test('every variable', async (t) => {
  t.same(
    connectionSettings(
      host({
        ansible_host: '10.0.0.5',
        ansible_port: 2222,
        ansible_user: 'debian',
        ansible_ssh_private_key_file: '~/.ssh/lab_key',
        ansible_ssh_private_key_passphrase: 'pp',
        ansible_password: 'pw',
        ansible_connection: 'local',
        ansible_become: true,
        ansible_become_user: 'k3s',
        ansible_become_password: 'sudo-pw',
        provision_host_key_checking: 'accept-new',
        provision_known_hosts: '/etc/provision/known_hosts',
        ansible_ssh_timeout: 3,
      }),
    ),
    {
      address: '10.0.0.5',
      port: 2222,
      user: 'debian',
      privateKeyFile: join(homedir(), '.ssh', 'lab_key'),
      passphrase: 'pp',
      password: 'pw',
      connection: 'local',
      become: { enabled: true, user: 'k3s', password: 'sudo-pw' },
      hostKeyChecking: 'accept-new',
      knownHostsFile: '/etc/provision/known_hosts',
      connectTimeoutMs: 3000,
    },
  );
});

t.test('older Ansible spellings', async (t) => {
  const s = connectionSettings(
    host({ ansible_ssh_host: 'h', ansible_ssh_port: 2200, ansible_ssh_user: 'u', ansible_ssh_pass: 'p', ansible_become_pass: 'bp', ansible_become: 'yes' }),
  );
  t.match(s, { address: 'h', port: 2200, user: 'u', password: 'p', become: { enabled: true, password: 'bp' } });
  const both = connectionSettings(host({ ansible_host: 'new', ansible_ssh_host: 'old', ansible_port: 22, ansible_ssh_port: 2200 }));
  t.match(both, { address: 'new', port: 22 }, 'the current name wins');
  t.equal(connectionSettings(host({ ansible_become: 'no' })).become.enabled, false);
});

t.test("Ansible's ansible_host_key_checking maps to strict / off", async (t) => {
  t.equal(connectionSettings(host({ ansible_host_key_checking: true })).hostKeyChecking, 'strict');
  t.equal(connectionSettings(host({ ansible_host_key_checking: false })).hostKeyChecking, 'off');
  t.equal(
    connectionSettings(host({ ansible_host_key_checking: false, provision_host_key_checking: 'accept-new' })).hostKeyChecking,
    'accept-new',
    'provision_host_key_checking wins',
  );
  t.equal(connectionSettings(host({ provision_host_key_checking: 'off' })).hostKeyChecking, 'off');
});

t.test('from a loaded inventory, with precedence applied', async (t) => {
  const inv = parseInventory(
    `all:
  vars:
    ansible_user: debian
    ansible_host_key_checking: false
  children:
    agent:
      vars: { ansible_port: 2222 }
      hosts:
        a1: { ansible_host: 192.168.1.21 }
`,
    'inv.yaml',
  );
  t.match(connectionSettings(inv.host('a1')!), { address: '192.168.1.21', port: 2222, user: 'debian', hostKeyChecking: 'off' });
});

t.test('values Ansible converts at use are converted; ones that can never work are refused, naming the host', async (t) => {
  t.equal(connectionSettings(host({ ansible_port: '22' })).port, 22);
  t.equal(connectionSettings(host({ ansible_port: ' 2222 ' })).port, 2222);
  t.equal(connectionSettings(host({ base_port: 22, ansible_port: '{{ base_port + 1 }}' })).port, 23);
  t.equal(connectionSettings(host({ ansible_user: 1000 })).user, '1000');
  t.equal(connectionSettings(host({ ansible_become: 'True' })).become.enabled, true);
  t.equal(connectionSettings(host({ ansible_connection: '{{ "local" }}' })).connection, 'local');
  t.throws(() => connectionSettings(host({ ansible_port: 'not-a-port' })), { message: /inv\.yaml:3:5: node1: ansible_port: must be an integer from 1 to 65535, got "not-a-port"/ });
  t.throws(() => connectionSettings(host({ ansible_port: 70000 })), { message: /ansible_port: must be an integer from 1 to 65535/ });
  t.throws(() => connectionSettings(host({ ansible_port: '{{ nowhere }}' })), { message: /node1: ansible_port: .*nowhere/ });
  t.throws(() => connectionSettings(host({ ansible_connection: 'winrm' })), { message: /inv\.yaml:3:5: node1: ansible_connection: winrm is not supported by this tool \(ssh or local\)/ });
  t.throws(() => connectionSettings(host({ ansible_connection: 'sssh' })), { message: /inv\.yaml:3:5: node1: ansible_connection: must be "ssh" or "local"/ });
  t.throws(() => connectionSettings(host({ provision_host_key_checking: 'loose' })), ValidationError);
  t.throws(() => connectionSettings(host({ ansible_become: 'maybe' })), ValidationError);
});
