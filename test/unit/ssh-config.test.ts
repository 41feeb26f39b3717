import t from 'tap';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { readSshConfig, sshOptionsFor, patternMatches, hostPatternsMatch } from '../../src/connection/ssh-config.ts';
import { planConnection, planConnections } from '../../src/connection/factory.ts';
import type { Inventory, InventoryHost } from '../../src/inventory/types.ts';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'ssh-config-'));
}

function host(vars: Record<string, unknown>, name = 'node1'): InventoryHost {
  return { name, vars, groups: ['all'], position: { file: 'inventory.yaml', line: 1, col: 1 } };
}

const word = (file: string, name: string, keyword: string, user?: string) =>
  sshOptionsFor(readSshConfig(file), { host: name, ...(user ? { user } : {}) }).options.get(keyword)?.words[0];

t.test('first obtained value wins; general defaults at the end apply to what is left', async (t) => {
  const d = dir();
  const f = join(d, 'config');
  writeFileSync(f, ['Host web*', '  User deploy', '  Port 2200', '', 'Host *', '  User nobody', '  Port 22', '  HostName %h.example.org', ''].join('\n'));
  t.equal(word(f, 'web1', 'user'), 'deploy');
  t.equal(word(f, 'web1', 'port'), '2200');
  t.equal(word(f, 'db1', 'user'), 'nobody');
  const v = sshOptionsFor(readSshConfig(f), { host: 'web1' }).options.get('hostname')!;
  t.same([v.file, v.line], [f, 8], 'each value keeps its file and line');
});

t.test('patterns: * and ? (exactly one character), ! negation, case-insensitive host names', async (t) => {
  t.ok(patternMatches('node?', 'node1', true));
  t.notOk(patternMatches('node?', 'node', true), '? is exactly one character');
  t.notOk(patternMatches('node?', 'node12', true));
  t.ok(patternMatches('*.LAB', 'a.lab', true));
  t.ok(hostPatternsMatch(['*', '!bastion'], 'node1'));
  t.notOk(hostPatternsMatch(['*', '!bastion'], 'bastion'), 'a negated match wins over any positive one');
  t.notOk(hostPatternsMatch(['!bastion'], 'node1'), 'a negation alone matches nothing');
});

t.test('Match host sees the HostName obtained so far; originalhost the name given; user; all', async (t) => {
  const d = dir();
  const f = join(d, 'config');
  writeFileSync(f, [
    'Host alias',
    '  HostName 10.1.2.3',
    'Match host 10.1.2.*',
    '  User matched-by-hostname',
    'Match originalhost alias',
    '  Port 2022',
    'Match user ops',
    '  IdentityFile ~/.ssh/ops',
    'Match all',
    '  ConnectTimeout 7',
    'Match exec "true"',
    '  Port 1',
    '',
  ].join('\n'));
  const lines = readSshConfig(f);
  const r = sshOptionsFor(lines, { host: 'alias' });
  t.equal(r.options.get('user')?.words[0], 'matched-by-hostname');
  t.equal(r.options.get('port')?.words[0], '2022');
  t.equal(r.options.get('connecttimeout')?.words[0], '7');
  t.notOk(r.options.has('identityfile'));
  t.same(r.unsupportedMatches.map((m) => m.line), [11], 'Match exec is not run: reported with its line');
  t.equal(sshOptionsFor(lines, { host: 'other', user: 'ops' }).options.get('identityfile')?.words[0], '~/.ssh/ops');
});

t.test('a Match line is evaluated once, where it stands: a HostName inside its section keeps the rest', async (t) => {
  const d = dir();
  const f = join(d, 'config');
  writeFileSync(f, 'Match host b\n  HostName bb\n  User x\nMatch host bb\n  Port 2\n');
  const r = sshOptionsFor(readSshConfig(f), { host: 'b' }).options;
  t.same([r.get('hostname')?.words[0], r.get('user')?.words[0], r.get('port')?.words[0]], ['bb', 'x', '2'], 'a later Match host sees the new HostName');
});

t.test('Include: globs in lexical order, relative names under ~/.ssh, conditional inside a Host section', async (t) => {
  const d = dir();
  mkdirSync(join(d, 'conf.d'));
  writeFileSync(join(d, 'conf.d', '20-b'), 'Host b\n  User from-b\nHost *\n  Port 2020\n');
  writeFileSync(join(d, 'conf.d', '10-a'), 'Host a\n  User from-a\nHost *\n  Port 1010\n');
  writeFileSync(join(d, 'inner'), 'User inner-user\n');
  const f = join(d, 'config');
  writeFileSync(f, `Include ${d}/conf.d/*\nHost only\n  Include ${d}/inner\n`);
  t.equal(word(f, 'a', 'user'), 'from-a');
  t.equal(word(f, 'b', 'user'), 'from-b');
  t.equal(word(f, 'b', 'port'), '1010', '10-a is read before 20-b');
  t.equal(word(f, 'only', 'user'), 'inner-user');
  t.equal(word(f, 'a', 'user'), 'from-a', 'an Include inside Host applies only under it');
  t.equal(word(f, 'zzz', 'user'), undefined);
});

t.test('IdentityFile accumulates; quoted values and Key=value syntax', async (t) => {
  const d = dir();
  const f = join(d, 'config');
  writeFileSync(f, 'Host n\n  IdentityFile=/k/one\n  IdentityFile "/k/with space"\nHost *\n  IdentityFile /k/three\n');
  t.same(sshOptionsFor(readSshConfig(f), { host: 'n' }).options.get('identityfile')?.words, ['/k/one', '/k/with space', '/k/three']);
});

t.test('a line the parser cannot read is an error with file and line', async (t) => {
  const d = dir();
  const f = join(d, 'config');
  writeFileSync(f, 'Host n\n  ProxyCommand "unterminated\n');
  try {
    readSshConfig(f);
    t.fail('no error');
  } catch (err) {
    t.match((err as { diagnostics: unknown }).diagnostics, [{ file: f, line: 2 }]);
  }
});

t.test('planning: HostName, User, Port, IdentityFile tokens, known hosts, timeouts, keepalive from the file', async (t) => {
  const d = dir();
  const f = join(d, 'config');
  const key = join(d, 'id_node1_root');
  writeFileSync(key, 'x');
  writeFileSync(f, [
    'Host node1',
    '  HostName 10.9.9.9',
    '  User root',
    '  Port 2222',
    `  IdentityFile ${d}/id_%h_%r`,
    `  IdentityFile ${d}/id_10.9.9.9_root`,
    '  UserKnownHostsFile ~/kh/%h',
    '  StrictHostKeyChecking accept-new',
    '  ConnectTimeout 4',
    '  ServerAliveInterval 15',
    '  ServerAliveCountMax 2',
    '  ForwardAgent yes',
    '',
  ].join('\n'));
  writeFileSync(join(d, 'id_10.9.9.9_root'), 'k');
  const plan = planConnection(host({}), { sshConfigFile: f }, {});
  t.match(plan, {
    kind: 'ssh',
    address: '10.9.9.9',
    port: 2222,
    user: 'root',
    privateKeyFile: join(d, 'id_10.9.9.9_root'),
    knownHostsFile: join(homedir(), 'kh', '10.9.9.9'),
    hostKeyChecking: 'accept-new',
    connectTimeoutMs: 4000,
    keepaliveIntervalMs: 15_000,
    keepaliveCountMax: 2,
  }, '%h is the HostName, %r the user; a missing IdentityFile is skipped');
  const { warnings } = planConnections(inventoryOf([host({})]), { sshConfigFile: f }, {});
  t.same(warnings, [`SSH option forwardagent (${f}:12) is not used by provision`], 'what is not honoured is reported with file:line');
});

t.test('inventory variables win over the file; -o options in ansible_ssh_common_args sit between', async (t) => {
  const d = dir();
  const f = join(d, 'config');
  writeFileSync(f, 'Host *\n  User fileuser\n  Port 2222\n  ConnectTimeout 9\n  StrictHostKeyChecking no\n');
  const plan = planConnection(
    host({ ansible_user: 'invuser', ansible_ssh_common_args: '-o Port=2323 -o ConnectTimeout=3', ansible_host_key_checking: true }),
    { sshConfigFile: f },
    {},
  );
  t.match(plan, { user: 'invuser', port: 2323, connectTimeoutMs: 3000, hostKeyChecking: 'strict' });
  t.match(planConnection(host({ ansible_port: 22 }), { sshConfigFile: f }, {}), { port: 22, user: 'fileuser' });
  t.match(planConnection(host({}), { sshConfigFile: f, hostKeyChecking: 'accept-new' }, {}), { hostKeyChecking: 'accept-new' }, 'command line wins');
});

t.test('ProxyJump: hops each planned from their own section; first-hop chains; -J and -o ProxyJump; loops refused', async (t) => {
  const d = dir();
  const f = join(d, 'config');
  writeFileSync(f, [
    'Host inner',
    '  HostName 10.2.0.5',
    '  ProxyJump jump2',
    'Host jump2',
    '  HostName 10.1.0.2',
    '  User hopper',
    '  ProxyJump outer-user@jump1:2201',
    'Host jump1',
    '  HostName 192.0.2.1',
    '  StrictHostKeyChecking accept-new',
    'Host loop-a',
    '  ProxyJump loop-b',
    'Host loop-b',
    '  ProxyJump loop-a',
    '',
  ].join('\n'));
  const plan = planConnection(host({ ansible_host: 'inner', provision_known_hosts: '/kh' }), { sshConfigFile: f }, {});
  t.match(plan, {
    address: '10.2.0.5',
    jumps: [
      { name: 'jump1', address: '192.0.2.1', port: 2201, user: 'outer-user', hostKeyChecking: 'accept-new', knownHostsFile: '/kh' },
      { name: 'jump2', address: '10.1.0.2', port: 22, user: 'hopper', hostKeyChecking: 'strict', knownHostsFile: '/kh' },
    ],
  }, 'jump1 routes jump2, which routes the target; each hop its own user, port and policy');
  const viaArgs = planConnection(host({ ansible_ssh_common_args: `-F ${f} -o ProxyJump=jump2,jump1` }), {}, {});
  t.match(viaArgs, { jumps: [{ name: 'jump1', address: '192.0.2.1' }, { name: 'jump2' }, { name: 'jump1' }] }, 'a list: the first hop is routed by its own config');
  t.match(planConnection(host({ ansible_ssh_common_args: '-J a@h1,h2:2' }), {}, {}), { jumps: [{ user: 'a', address: 'h1' }, { address: 'h2', port: 2 }] });
  t.throws(() => planConnection(host({ ansible_host: 'loop-a' }), { sshConfigFile: f }, {}), /loops back to loop-a/);
  t.throws(() => planConnection(host({ ansible_ssh_common_args: '-F /nonexistent/cfg' }), {}, {}), /-F \/nonexistent\/cfg: no such file/);
});

t.test('ProxyCommand: tokens expanded; whichever of ProxyJump/ProxyCommand comes first wins; none', async (t) => {
  const d = dir();
  const f = join(d, 'config');
  writeFileSync(f, 'Host pc\n  HostName 10.3.3.3\n  ProxyCommand ssh -W %h:%p -l %r bastion\n  ProxyJump ignored\nHost none\n  ProxyJump none\n  ProxyCommand ssh x\n');
  t.match(planConnection(host({ ansible_host: 'pc', ansible_user: 'u' }), { sshConfigFile: f }, {}), { proxyCommand: 'ssh -W 10.3.3.3:22 -l u bastion' });
  t.notOk('jumps' in planConnection(host({ ansible_host: 'pc' }), { sshConfigFile: f }, {}));
  const none = planConnection(host({ ansible_host: 'none' }), { sshConfigFile: f }, {});
  t.notOk('jumps' in none || 'proxyCommand' in none, 'ProxyJump none first: no proxy at all');
  t.match(
    planConnection(host({ ansible_ssh_common_args: `-o ProxyCommand="ssh -W %h:%p -q jump"` }), {}, {}),
    { proxyCommand: 'ssh -W node1:22 -q jump' },
  );
});

t.test('no config file: the plan is what the inventory says, nothing else read', async (t) => {
  t.same(Object.keys(planConnection(host({}), {}, {})).sort(), ['address', 'connectTimeoutMs', 'hostKeyChecking', 'kind', 'knownHostsFile', 'port', 'user']);
  t.equal((planConnection(host({}), {}, {}) as { user: string }).user, userInfo().username);
});

function inventoryOf(hosts: InventoryHost[]): Inventory {
  return {
    file: 'inventory.yaml',
    hosts,
    warnings: [],
    groups: { all: hosts.map((h) => h.name) },
    host: (n) => hosts.find((h) => h.name === n),
    select: () => hosts.map((h) => h.name),
  };
}

t.test('what is only partly used is said: the IdentityFiles not tried, the UserKnownHostsFiles not read', async (t) => {
  const d = dir();
  const f = join(d, 'config');
  writeFileSync(join(d, 'k1'), 'x');
  writeFileSync(join(d, 'k2'), 'x');
  writeFileSync(f, `Host *\n  IdentityFile ${d}/k1\n  IdentityFile ${d}/k2\n  UserKnownHostsFile ${d}/kh1 ${d}/kh2\n`);
  const { warnings } = planConnections(inventoryOf([host({})]), { sshConfigFile: f }, {});
  t.same(warnings, [
    `IdentityFile (${f}:2): provision authenticates with the first that exists, ${d}/k1; not tried: ${d}/k2`,
    `UserKnownHostsFile (${f}:4): provision checks host keys against the first file only; not read: ${d}/kh2`,
  ]);
});
