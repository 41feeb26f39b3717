/**
 * The lab itself: real sshd per node reached with the system ssh client, per-node files,
 * sudo behaviour of the two lab users, an untouched host, and nothing left after stop().
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { labSupport, startLab } from './lab.ts';
import { labTag } from './names.ts';
import { processStart } from './state.ts';
import type { Lab, LabNode } from './types.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runProgram(file: string, args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The system ssh client, verifying the host key strictly against a known_hosts file. */
function ssh(user: string, keyFile: string, node: LabNode, command: string, knownHosts: string, input = ''): Promise<Run> {
  return runProgram(
    'ssh',
    [
      '-i', keyFile,
      '-o', 'BatchMode=yes',
      '-o', 'IdentitiesOnly=yes',
      '-o', `UserKnownHostsFile=${knownHosts}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'ConnectTimeout=10',
      '-p', String(node.port),
      `${user}@${node.address}`,
      command,
    ],
    input,
  );
}

const labObjects = (tag: string): string[] =>
  [...readdirSync('/run/netns'), ...readdirSync('/sys/class/net')].filter((n) => n.startsWith(`pv-${tag}-`));

t.test('a two-node lab', { skip }, async (t) => {
  const hostnameBefore = hostname();
  const hostPasswdBefore = readFileSync('/etc/passwd', 'utf8');
  const hostHadRancher = existsSync('/var/lib/rancher');
  // The product's state dir on the host, as a run against localhost (or a crashed test)
  // leaves it: it must not show through the nodes' /var/lib overlay.
  const hostHadProvision = existsSync('/var/lib/provision');
  const canary = `/var/lib/provision/lab-canary-${process.pid}`;
  const hostHadState = existsSync('/var/lib/provision/state.json');
  mkdirSync('/var/lib/provision', { recursive: true });
  writeFileSync(canary, 'host\n');
  t.teardown(() => {
    rmSync(canary, { force: true });
    if (!hostHadProvision) rmSync('/var/lib/provision', { recursive: true, force: true });
  });
  const started = Date.now();
  const lab: Lab = await startLab({ nodes: 2 });
  t.comment(`2 nodes started in ${Date.now() - started} ms`);
  const tag = labTag(lab.id);
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await lab.stop();
  });
  const [node1, node2] = lab.nodes;

  t.test('each node answers real ssh as root, with its own hostname', async (t) => {
    for (const node of lab.nodes) {
      const r = await ssh('root', lab.rootKeyFile, node, 'hostname; id -u', lab.knownHostsFile);
      t.equal(r.code, 0, `ssh to ${node.name}: ${r.stderr}`);
      t.equal(r.stdout, `${node.name}\n0\n`);
    }
  });

  t.test('the host key check is real: the other node keys are refused', async (t) => {
    const wrong = `${lab.dir}/wrong_known_hosts`;
    const node2Keys = readFileSync(lab.knownHostsFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith(`${node2.address},`))
      .map((l) => l.replace(node2.address, node1.address).replace(`[${node2.address}]`, `[${node1.address}]`));
    t.ok(node2Keys.length > 0, 'known_hosts lists node2');
    writeFileSync(wrong, `${node2Keys.join('\n')}\n`);
    const r = await ssh('root', lab.rootKeyFile, node1, 'true', wrong);
    t.equal(r.code, 255);
    t.match(r.stderr, /host key/i);
  });

  t.test('files written in the node appear at hostPath, per node', async (t) => {
    const r = await ssh('root', lab.rootKeyFile, node1, 'echo from-node1 > /var/lib/rancher/x', lab.knownHostsFile);
    t.equal(r.code, 0, r.stderr);
    t.equal(readFileSync(lab.hostPath(node1, '/var/lib/rancher/x'), 'utf8'), 'from-node1\n');
    t.notOk(existsSync(lab.hostPath('node2', '/var/lib/rancher/x')), 'node2 has its own /var/lib/rancher');
    for (const dir of ['/var/lib/cni', '/etc/rancher', '/usr/local/bin', '/run/sshd']) {
      t.ok(existsSync(lab.hostPath(node2, dir)), `${dir} is a per-node directory`);
    }
    t.throws(() => lab.hostPath(node1, '/etc/passwd'), /not under a per-node mount/);
  });

  t.test("the host's /var/lib/provision does not show through; a node's stays its own", async (t) => {
    for (const node of lab.nodes) {
      t.equal((await lab.exec(node, 'test -e /var/lib/provision')).exitCode, 1, `${node.name} starts without /var/lib/provision`);
    }
    const made = await lab.exec(node1, 'mkdir -p /var/lib/provision && echo node1 > /var/lib/provision/state.json && ls -A /var/lib/provision');
    t.same(made, { exitCode: 0, stdout: 'state.json\n', stderr: '' }, 'the node sees only what it wrote');
    t.equal((await lab.exec(node2, 'test -e /var/lib/provision')).exitCode, 1, 'node2 does not see node1\'s');
    t.equal(readFileSync(canary, 'utf8'), 'host\n', "the host's file is untouched");
    t.equal(existsSync('/var/lib/provision/state.json'), hostHadState, 'nothing written through to the host');
  });

  t.test('exec runs as root inside the node and reports failures without throwing', async (t) => {
    const ok = await lab.exec(node2, 'hostname; id -u; cat /etc/hostname');
    t.same(ok, { exitCode: 0, stdout: 'node2\n0\nnode2\n', stderr: '' });
    const bad = await lab.exec('node1', 'echo oops >&2; exit 3');
    t.equal(bad.exitCode, 3);
    t.equal(bad.stderr, 'oops\n');
  });

  t.test('the password user needs its password for sudo', async (t) => {
    const { name, keyFile, password } = lab.user;
    const noPassword = await ssh(name, keyFile, node1, 'id -un; sudo -n true', lab.knownHostsFile);
    t.equal(noPassword.stdout, `${name}\n`);
    t.not(noPassword.code, 0, 'sudo -n fails');
    t.match(noPassword.stderr, /password is required/);
    const withPassword = await ssh(name, keyFile, node1, "sudo -S -p '' id -u", lab.knownHostsFile, `${password}\n`);
    t.equal(withPassword.code, 0, withPassword.stderr);
    t.equal(withPassword.stdout, '0\n');
    const wrongPassword = await ssh(name, keyFile, node1, "sudo -S -p '' id -u", lab.knownHostsFile, 'not-it\n');
    t.not(wrongPassword.code, 0, 'a wrong password is refused');
  });

  t.test('the nopasswd user gets root with sudo -n', async (t) => {
    const user = lab.nopasswdUser;
    if (!user) throw new Error('lab has no nopasswd user');
    const r = await ssh(user.name, user.keyFile, node2, 'sudo -n id -u', lab.knownHostsFile);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, '0\n');
  });

  t.test('the inventory names every node with the root key and known_hosts', async (t) => {
    const text = readFileSync(lab.inventoryFile, 'utf8');
    for (const node of lab.nodes) t.match(text, `${node.name}:\n      ansible_host: ${node.address}\n      ansible_port: 22`);
    t.match(text, `ansible_ssh_private_key_file: ${lab.rootKeyFile}`);
    t.match(text, `provision_known_hosts: ${lab.knownHostsFile}`);
  });

  t.test('the host is untouched', async (t) => {
    t.equal(hostname(), hostnameBefore);
    t.equal(readFileSync('/etc/passwd', 'utf8'), hostPasswdBefore, 'no lab user in the host passwd');
    t.equal(existsSync('/var/lib/rancher'), hostHadRancher, 'no /var/lib/rancher made on the host');
  });

  t.test('stop removes every process, netns, veth and the state', async (t) => {
    t.ok(labObjects(tag).length >= 5, 'bridge, 2 veths and 2 netns exist while running');
    const pids = lab.nodes.map((n) => n.pid);
    await lab.stop();
    stopped = true;
    t.same(labObjects(tag), []);
    t.notOk(existsSync(lab.dir), 'lab directory removed');
    for (const pid of pids) t.notOk(processStart(pid), `node init ${pid} is gone`);
  });
});
