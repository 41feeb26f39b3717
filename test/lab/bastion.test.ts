/**
 * Jump hosts against real sshd nodes. node2 and node3 sit on a private network that only
 * the bastion joins (StartLabOptions.privateNetwork): the host cannot open a TCP connection
 * to them, so a run that reaches them went through the bastion. Each node records the
 * address its SSH client came from (test/fixtures/playbooks/where-from.yaml), which shows
 * the route: the bastion's private address for one hop, node2's for two.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { labSupport, startLab } from './lab.ts';
import { sshBanner } from './node-probe.ts';
import { run } from './host-commands.ts';
import type { Lab, LabNode } from './types.ts';
import { REPO_ROOT, runCli } from '../helpers/run-provision.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;
const playbook = join(REPO_ROOT, 'test/fixtures/playbooks/where-from.yaml');
const SEEN = '/var/lib/rancher/where-from/seen';
/** Nothing from the machine running the tests: no ansible.cfg, no ANSIBLE_* settings, no agent. */
const CLEAN_ENV = { ANSIBLE_CONFIG: '', ANSIBLE_INVENTORY: '', PROVISION_INVENTORY: '', ANSIBLE_FORKS: '', ANSIBLE_HOST_KEY_CHECKING: '', SSH_AUTH_SOCK: '' };

function seen(lab: Lab, node: string): { hostname: string; client: string } | undefined {
  try {
    const [hostname, client] = readFileSync(lab.hostPath(node, SEEN), 'utf8').trim().split('\n');
    return { hostname, client };
  } catch {
    return undefined;
  }
}

function forget(lab: Lab): void {
  for (const n of lab.nodes) rmSync(lab.hostPath(n, SEEN), { force: true });
}

/** A private work place (0700, so ./ansible.cfg in it counts) with its own HOME. */
function place(): { cwd: string; home: string } {
  const root = mkdtempSync(join(tmpdir(), 'bastion-'));
  const cwd = join(root, 'work');
  const home = join(root, 'home');
  mkdirSync(cwd, { mode: 0o755 });
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  return { cwd, home };
}

function node(lab: Lab, name: string): LabNode {
  return lab.nodes.find((n) => n.name === name)!;
}

/** An SSH config with aliases: edge-2 through the bastion, edge-3 through the bastion and edge-2. */
function sshConfigText(lab: Lab, edgeKnownHosts = lab.knownHostsFile, edge3Jumps = 'bastion,edge-2'): string {
  const common = [`  User root`, `  IdentityFile ${lab.rootKeyFile}`, `  UserKnownHostsFile ${edgeKnownHosts}`];
  return [
    'Host bastion',
    `  HostName ${node(lab, 'bastion').address}`,
    `  User root`,
    `  IdentityFile ${lab.rootKeyFile}`,
    `  UserKnownHostsFile ${lab.knownHostsFile}`,
    'Host edge-3',
    `  HostName ${node(lab, 'node3').address}`,
    `  ProxyJump ${edge3Jumps}`,
    'Host edge-*',
    '  ProxyJump bastion',
    ...common,
    '  ServerAliveInterval 30',
    '  ForwardAgent no',
    'Host edge-2',
    `  HostName ${node(lab, 'node2').address}`,
    '',
  ].join('\n');
}

t.test('nodes behind a bastion', { skip }, async (t) => {
  const lab = await startLab({ nodes: ['bastion', 'node2', 'node3'], privateNetwork: { gateway: 'bastion', members: ['node2', 'node3'] } });
  t.teardown(() => lab.stop());
  const bastion = node(lab, 'bastion');
  const node2 = node(lab, 'node2');
  const node3 = node(lab, 'node3');

  await t.test('the private network: the host cannot reach node2, the bastion can', async (t) => {
    t.equal(node2.reachableFromHost, false);
    t.equal(await sshBanner(node2.address, 22, 1000), false, 'no TCP connection from the host');
    const fromBastion = await lab.exec('bastion', `ssh-keyscan -T 2 ${node2.address}`);
    t.match(fromBastion.stdout, /ssh-ed25519/, 'the bastion reaches node2 sshd');
    t.equal(await sshBanner(bastion.address, 22, 1000), true);
  });

  await t.test('~/.ssh/config aliases: one hop, and two hops (the first hop routed by its own section)', async (t) => {
    forget(lab);
    const p = place();
    writeFileSync(join(p.home, '.ssh', 'config'), sshConfigText(lab));
    writeFileSync(join(p.cwd, 'inventory.yaml'), stringify({ all: { hosts: { edge2: { ansible_host: 'edge-2' }, edge3: { ansible_host: 'edge-3' } } } }));
    const cli = await runCli(['run', playbook], { cwd: p.cwd, env: { ...CLEAN_ENV, HOME: p.home } });
    t.equal(cli.code, 0, cli.stdout + cli.stderr);
    t.same(seen(lab, 'node2'), { hostname: 'node2', client: bastion.privateAddress }, 'node2 was reached from the bastion');
    t.same(seen(lab, 'node3'), { hostname: 'node3', client: node2.address }, 'node3 was reached from node2');
    t.match(cli.stdout, /ForwardAgent|forwardagent/, 'an option provision does not use is reported');
    t.match(cli.stdout, new RegExp(`forwardagent \\(${join(p.home, '.ssh', 'config')}:\\d+\\) is not used by provision`));
    t.equal(cli.stdout.match(/forwardagent \(/g)?.length, 1, 'once, not once per host');
  });

  await t.test('the same through ansible_ssh_common_args: -F FILE and -o ProxyJump=…; the bastion key from ssh-agent', async (t) => {
    forget(lab);
    const p = place();
    const agent = await startAgent(join(p.home, 'agent.sock'));
    t.teardown(() => agent.stop());
    t.equal((await agent.add(lab.rootKeyFile)).exitCode, 0, 'key added to the agent');
    writeFileSync(join(p.cwd, 'bastion.cfg'), `Host bastion\n  HostName ${bastion.address}\n  User root\n  UserKnownHostsFile ${lab.knownHostsFile}\n`);
    const inventory = {
      all: {
        vars: {
          ansible_user: 'root',
          ansible_ssh_private_key_file: lab.rootKeyFile,
          provision_known_hosts: lab.knownHostsFile,
          ansible_ssh_common_args: `-F ${join(p.cwd, 'bastion.cfg')} -o ProxyJump=bastion`,
        },
        hosts: { node2: { ansible_host: node2.address } },
      },
    };
    writeFileSync(join(p.cwd, 'inventory.yaml'), stringify(inventory));
    const cli = await runCli(['run', playbook, '-i', 'inventory.yaml'], { cwd: p.cwd, env: { ...CLEAN_ENV, HOME: p.home, SSH_AUTH_SOCK: agent.socket } });
    t.equal(cli.code, 0, cli.stdout + cli.stderr);
    t.same(seen(lab, 'node2'), { hostname: 'node2', client: bastion.privateAddress });
  });

  await t.test('ProxyCommand ssh -W %h:%p bastion, run through sh -c', async (t) => {
    forget(lab);
    const p = place();
    const proxy = `ssh -q -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${lab.knownHostsFile} -i ${lab.rootKeyFile} -W %h:%p root@${bastion.address}`;
    const inventory = {
      all: {
        vars: { ansible_user: 'root', ansible_ssh_private_key_file: lab.rootKeyFile, provision_known_hosts: lab.knownHostsFile },
        hosts: { node3: { ansible_host: node3.address, ansible_ssh_common_args: `-o ProxyCommand="${proxy}"` } },
      },
    };
    writeFileSync(join(p.cwd, 'inventory.yaml'), stringify(inventory));
    const cli = await runCli(['run', playbook], { cwd: p.cwd, env: { ...CLEAN_ENV, HOME: p.home } });
    t.equal(cli.code, 0, cli.stdout + cli.stderr);
    t.same(seen(lab, 'node3'), { hostname: 'node3', client: bastion.privateAddress });
  });

  await t.test('a wrong bastion host key is refused: nothing behind it is touched, exit 3', async (t) => {
    forget(lab);
    const p = place();
    // The bastion's address with node2's keys: what an impostor bastion would present.
    const known = readFileSync(lab.knownHostsFile, 'utf8').split('\n');
    const node2Keys = known.filter((l) => l.startsWith(`${node2.address},`)).map((l) => l.replace(node2.address, bastion.address).replace(`[${node2.address}]`, `[${bastion.address}]`));
    const others = known.filter((l) => l !== '' && !l.startsWith(`${bastion.address},`));
    const wrong = join(p.cwd, 'known_hosts');
    writeFileSync(wrong, `${[...others, ...node2Keys].join('\n')}\n`);
    writeFileSync(join(p.home, '.ssh', 'config'), sshConfigText(lab).replaceAll(lab.knownHostsFile, wrong));
    writeFileSync(join(p.cwd, 'inventory.yaml'), stringify({ all: { hosts: { edge2: { ansible_host: 'edge-2' } } } }));
    const cli = await runCli(['run', playbook], { cwd: p.cwd, env: { ...CLEAN_ENV, HOME: p.home } });
    t.equal(cli.code, 3, cli.stdout + cli.stderr);
    t.match(cli.stdout, new RegExp(`jump host bastion: HOST KEY MISMATCH for ${bastion.address.replace(/\./g, '\\.')}:22`));
    t.equal(seen(lab, 'node2'), undefined, 'node2 was not touched');
    const accepted = await runCli(['run', playbook, '--host-key-checking', 'accept-new'], { cwd: p.cwd, env: { ...CLEAN_ENV, HOME: p.home } });
    t.equal(accepted.code, 3, 'accept-new does not accept a changed key either');
  });

  await t.test('ansible.cfg become = True with the SSH config\'s User: sudo is used for the login user it names', async (t) => {
    const p = place();
    const lines = [`Host bastion`, `  HostName ${bastion.address}`, `  User ${lab.nopasswdUser!.name}`, `  IdentityFile ${lab.nopasswdUser!.keyFile}`, `  UserKnownHostsFile ${lab.knownHostsFile}`];
    writeFileSync(join(p.home, '.ssh', 'config'), `${lines.join('\n')}\n`);
    writeFileSync(join(p.cwd, 'inventory.yaml'), stringify({ all: { hosts: { bastion: {} } } }));
    writeFileSync(join(p.cwd, 'ansible.cfg'), '[privilege_escalation]\nbecome = True\n');
    const cli = await runCli(['run', join(REPO_ROOT, 'test/fixtures/playbooks/whoami.yaml')], { cwd: p.cwd, env: { ...CLEAN_ENV, HOME: p.home } });
    t.equal(cli.code, 0, cli.stdout + cli.stderr);
    // The login user's key is not root's: uid 0 means sudo ran for labnopass.
    t.equal(readFileSync(lab.hostPath('bastion', '/tmp/whoami'), 'utf8').trim(), '0', 'the task ran as root through sudo');
  });

  await t.test('ansible.cfg: host_key_checking = False and forks = 1 applied', async (t) => {
    forget(lab);
    const p = place();
    // The nodes' keys are not on file; the bastion's is, since as a jump host it keeps its
    // own checking whatever ansible.cfg says of the inventory's hosts (as with ssh -J).
    const empty = join(p.cwd, 'empty_known_hosts');
    writeFileSync(empty, '');
    writeFileSync(join(p.home, '.ssh', 'config'), sshConfigText(lab, empty, 'bastion'));
    const hosts = { bastion: { ansible_host: 'bastion' }, edge2: { ansible_host: 'edge-2' }, edge3: { ansible_host: 'edge-3' } };
    writeFileSync(join(p.cwd, 'inventory.yaml'), stringify({ all: { hosts } }));
    const env = { ...CLEAN_ENV, HOME: p.home };
    const strict = await runCli(['run', playbook], { cwd: p.cwd, env });
    t.equal(strict.code, 3, 'no key on file: unreachable without the setting');
    t.match(strict.stdout, /edge2: host key verification failed for 10\.214\.\d+\.\d+:22: .* no key for this host is on file/);
    writeFileSync(join(p.cwd, 'ansible.cfg'), '[defaults]\nforks = 1\nhost_key_checking = False\n');
    const config = await runCli(['config', '--only-changed'], { cwd: p.cwd, env });
    t.match(config.stdout, `DEFAULT_FORKS(${join(p.cwd, 'ansible.cfg')}:2) = 1`);
    t.match(config.stdout, `HOST_KEY_CHECKING(${join(p.cwd, 'ansible.cfg')}:3) = False`);
    const relaxed = await runCli(['run', playbook], { cwd: p.cwd, env });
    t.equal(relaxed.code, 0, relaxed.stdout + relaxed.stderr);
    t.same(['bastion', 'node2', 'node3'].map((n) => seen(lab, n)?.hostname), ['bastion', 'node2', 'node3']);
    // forks = 1: one host at a time, so each host finds every earlier host done.
    const probeDir = join('/dev/shm', `pv-forks-${lab.id}`);
    mkdirSync(probeDir, { recursive: true });
    t.teardown(() => rmSync(probeDir, { recursive: true, force: true }));
    const probe = await runCli(['run', join(REPO_ROOT, 'test/fixtures/playbooks/forks-probe.yaml'), '-e', `probe_dir=${probeDir}`], { cwd: p.cwd, env });
    t.equal(probe.code, 0, probe.stdout + probe.stderr);
    t.same(['bastion', 'edge2', 'edge3'].map((h) => readFileSync(join(probeDir, `${h}.before`), 'utf8').trim()), ['0', '1', '2']);
  });
});

interface Agent {
  socket: string;
  add(key: string): ReturnType<typeof run>;
  stop(): void;
}

/** A real ssh-agent in the foreground (-D), started by this test and ended by its pid. */
function startAgent(socket: string): Promise<Agent> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', reject);
    // It prints the SSH_AUTH_SOCK line once it listens.
    child.stdout!.once('data', () =>
      resolve({
        socket,
        add: (key) => runWithAgent(socket, key),
        stop: () => void (child.exitCode === null && child.kill('SIGTERM')),
      }),
    );
  });
}

function runWithAgent(socket: string, key: string): ReturnType<typeof run> {
  return new Promise((resolve) => {
    const child = spawn('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout: '', stderr }));
  });
}
