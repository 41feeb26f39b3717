import t from 'tap';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAnsibleCfg } from '../../src/config/ansible-cfg.ts';
import { loadControlSettings } from '../../src/config/control-settings.ts';
import { applyControlDefaults } from '../../src/config/control-defaults.ts';
import { defaultInventory } from '../../src/cli/default-inventory.ts';
import { loadInventory } from '../../src/inventory/load.ts';
import { runCli } from '../helpers/run-provision.ts';

/** A private (0700) place with a cwd and a home, so the world-writable /tmp never counts. */
function place(): { root: string; cwd: string; home: string } {
  const root = mkdtempSync(join(tmpdir(), 'ansible-cfg-'));
  chmodSync(root, 0o700);
  const cwd = join(root, 'project');
  const home = join(root, 'home');
  mkdirSync(cwd, { mode: 0o755 });
  mkdirSync(home, { mode: 0o755 });
  return { root, cwd, home };
}

t.test('found as Ansible finds it: ANSIBLE_CONFIG (file or dir), ./ansible.cfg, ~/.ansible.cfg, first that exists', async (t) => {
  const p = place();
  t.equal(findAnsibleCfg({}, p.cwd, p.home).cfg, undefined);
  writeFileSync(join(p.home, '.ansible.cfg'), '[defaults]\nforks = 3\n');
  t.equal(findAnsibleCfg({}, p.cwd, p.home).cfg?.file, join(p.home, '.ansible.cfg'));
  writeFileSync(join(p.cwd, 'ansible.cfg'), '[defaults]\nforks = 4\n');
  t.equal(findAnsibleCfg({}, p.cwd, p.home).cfg?.file, join(p.cwd, 'ansible.cfg'), './ansible.cfg before ~/.ansible.cfg');
  const envDir = join(p.root, 'envdir');
  mkdirSync(envDir);
  writeFileSync(join(envDir, 'ansible.cfg'), '[defaults]\nforks = 6\n');
  t.equal(findAnsibleCfg({ ANSIBLE_CONFIG: envDir }, p.cwd, p.home).cfg?.file, join(envDir, 'ansible.cfg'), 'a directory means its ansible.cfg');
  t.equal(findAnsibleCfg({ ANSIBLE_CONFIG: join(p.root, 'missing.cfg') }, p.cwd, p.home).cfg?.file, join(p.cwd, 'ansible.cfg'), 'a missing ANSIBLE_CONFIG falls through');
});

t.test('./ansible.cfg in a world-writable directory (or world-writable itself) is ignored with a warning', async (t) => {
  const p = place();
  writeFileSync(join(p.cwd, 'ansible.cfg'), '[defaults]\nforks = 4\n');
  writeFileSync(join(p.home, '.ansible.cfg'), '[defaults]\nforks = 3\n');
  chmodSync(p.cwd, 0o777);
  const found = findAnsibleCfg({}, p.cwd, p.home);
  t.equal(found.cfg?.file, join(p.home, '.ansible.cfg'));
  t.match(found.warnings, [/ignoring .*ansible\.cfg: the current directory is world-writable/]);
  t.same(findAnsibleCfg({ ANSIBLE_CONFIG: join(p.cwd, 'ansible.cfg') }, p.cwd, p.home).warnings, [], 'named by ANSIBLE_CONFIG: used, no warning');
  chmodSync(p.cwd, 0o755);
  chmodSync(join(p.cwd, 'ansible.cfg'), 0o666);
  t.match(findAnsibleCfg({}, p.cwd, p.home).warnings, [/the file is world-writable/]);
});

t.test('settings: ANSIBLE_* over ansible.cfg, each with its source; relative paths from the file; bad values with file:line', async (t) => {
  const p = place();
  writeFileSync(join(p.cwd, 'ansible.cfg'), [
    '[defaults]',
    'inventory = hosts.yaml, /abs/other.yaml',
    'forks = 12 ; inline comment',
    'remote_user = ops',
    'private_key_file = keys/id_ed25519',
    'host_key_checking = False',
    'timeout = 7',
    '',
    '[privilege_escalation]',
    'become = True',
    'become_user = admin',
    '',
    '[ssh_connection]',
    'ssh_args = -o ProxyJump=bastion -o ControlMaster=auto',
    '',
  ].join('\n'));
  const s = loadControlSettings({}, p.cwd, p.home);
  const cfg = join(p.cwd, 'ansible.cfg');
  t.same(s.inventory, { value: [join(p.cwd, 'hosts.yaml'), '/abs/other.yaml'], source: `${cfg}:2` });
  t.same(s.forks, { value: 12, source: `${cfg}:3` });
  t.same(s.remoteUser, { value: 'ops', source: `${cfg}:4` });
  t.same(s.privateKeyFile, { value: join(p.cwd, 'keys/id_ed25519'), source: `${cfg}:5` });
  t.same(s.hostKeyChecking, { value: false, source: `${cfg}:6` });
  t.same(s.timeout, { value: 7, source: `${cfg}:7` });
  t.same(s.become, { value: true, source: `${cfg}:10` });
  t.same(s.becomeUser, { value: 'admin', source: `${cfg}:11` });
  t.same(s.sshArgs, { value: '-o ProxyJump=bastion -o ControlMaster=auto', source: `${cfg}:14` });
  const env = loadControlSettings({ ANSIBLE_FORKS: '2', ANSIBLE_HOST_KEY_CHECKING: 'yes', ANSIBLE_REMOTE_USER: 'envuser' }, p.cwd, p.home);
  t.same([env.forks, env.hostKeyChecking?.value, env.remoteUser?.source], [{ value: 2, source: 'ANSIBLE_FORKS' }, true, 'ANSIBLE_REMOTE_USER']);
  writeFileSync(cfg, '[defaults]\n\nforks = many\n');
  t.throws(() => loadControlSettings({}, p.cwd, p.home), new RegExp(`${cfg}:3: forks must be a positive integer, got "many"`));
});

t.test('defaults go under the inventory: a host or group that sets a variable keeps it', async (t) => {
  const p = place();
  const inv = join(p.cwd, 'inventory.yaml');
  writeFileSync(inv, 'all:\n  hosts:\n    a: {}\n    b: { ansible_user: own, ansible_become: false }\n');
  writeFileSync(join(p.cwd, 'ansible.cfg'), '[defaults]\nremote_user = cfguser\nhost_key_checking = True\n[privilege_escalation]\nbecome = yes\n');
  const inventory = applyControlDefaults(loadInventory(inv), loadControlSettings({}, p.cwd, p.home));
  t.match(inventory.host('a')?.vars, { ansible_user: 'cfguser', ansible_become: true });
  t.notOk('ansible_host_key_checking' in inventory.host('a')!.vars, 'host_key_checking = True passes nothing: the SSH config decides, as with Ansible');
  t.match(inventory.host('b')?.vars, { ansible_user: 'own', ansible_become: false });
});

t.test('default inventory: PROVISION_INVENTORY, then ansible.cfg / ANSIBLE_INVENTORY, then ./inventory.yaml', async (t) => {
  const p = place();
  t.throws(() => defaultInventory(undefined, {}, p.cwd), /no inventory found; looked for, in order: .*inventory\.yaml \(\.\/inventory\.yaml\)/);
  writeFileSync(join(p.cwd, 'inventory.yaml'), 'all: {}\n');
  t.equal(defaultInventory(undefined, {}, p.cwd).file, join(p.cwd, 'inventory.yaml'));
  writeFileSync(join(p.cwd, 'hosts.yaml'), 'all: {}\n');
  writeFileSync(join(p.cwd, 'ansible.cfg'), '[defaults]\ninventory = missing.yaml,hosts.yaml\n');
  const fromCfg = defaultInventory(loadControlSettings({}, p.cwd, p.home), {}, p.cwd);
  t.equal(fromCfg.file, join(p.cwd, 'hosts.yaml'));
  t.match(fromCfg.skipped, [/missing\.yaml \(.*ansible\.cfg:2\)/]);
  writeFileSync(join(p.cwd, 'mine.yaml'), 'all: {}\n');
  t.match(defaultInventory(loadControlSettings({}, p.cwd, p.home), { PROVISION_INVENTORY: 'mine.yaml' }, p.cwd), {
    file: join(p.cwd, 'mine.yaml'),
    source: 'PROVISION_INVENTORY',
  });
});

t.test('the CLI: validate with no -i finds ./inventory.yaml; provision config shows sources and the route', async (t) => {
  const p = place();
  writeFileSync(join(p.cwd, 'inventory.yaml'), 'all:\n  hosts:\n    node1:\n      ansible_host: inner\n');
  writeFileSync(join(p.cwd, 'ansible.cfg'), '[defaults]\nforks = 9\n[ssh_connection]\nssh_args = -F ssh.cfg -C\n');
  writeFileSync(join(p.cwd, 'ssh.cfg'), 'Host inner\n  HostName 10.2.0.5\n  User root\n  ProxyJump jump\n  Compression yes\nHost jump\n  HostName 10.1.0.1\n');
  const env = { HOME: p.home, ANSIBLE_CONFIG: '', PROVISION_INVENTORY: '', ANSIBLE_INVENTORY: '', ANSIBLE_FORKS: '' };
  const validate = await runCli(['validate'], { cwd: p.cwd, env });
  t.equal(validate.code, 0, validate.stderr);
  t.match(validate.stdout, `ok: ${join(p.cwd, 'inventory.yaml')}: 1 hosts`);
  const config = await runCli(['config', '--only-changed'], { cwd: p.cwd, env });
  t.equal(config.code, 0, config.stderr);
  t.match(config.stdout, `DEFAULT_FORKS(${join(p.cwd, 'ansible.cfg')}:2) = 9`);
  t.match(config.stdout, `SSH_ARGS(${join(p.cwd, 'ansible.cfg')}:4) = -F ssh.cfg -C`);
  t.notMatch(config.stdout, /DEFAULT_TIMEOUT/, '--only-changed leaves defaults out');
  t.match(config.stdout, `INVENTORY IN USE(./inventory.yaml) = ${join(p.cwd, 'inventory.yaml')}`);
  t.match(config.stdout, /node1: root@10\.2\.0\.5:22; via jump \(\S+@10\.1\.0\.1:22, host key strict\)/);
  t.match(config.stdout, /warning: SSH option -C \(.*ansible\.cfg:4\) is not used by provision/);
  t.match(config.stdout, /warning: SSH option compression \(ssh\.cfg:5\) is not used by provision/);
  const forks = await runCli(['config', '--forks', '3'], { cwd: p.cwd, env });
  t.match(forks.stdout, 'DEFAULT_FORKS(--forks) = 3');
});
