/**
 * SshConnection on lab nodes (real sshd in a network namespace): host key verification in
 * every mode, the inventory's connection variables, and become through sudo with and
 * without a password.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { createConnection } from '../../src/connection/factory.ts';
import { fingerprint } from '../../src/connection/known-hosts.ts';
import { SshConnection, type SshConnectionOptions } from '../../src/connection/ssh.ts';
import { UnreachableError } from '../../src/errors.ts';
import { loadInventory } from '../../src/inventory/load.ts';
import { labSupport, startLab } from './lab.ts';
import type { Lab, LabNode } from './types.ts';

const support = labSupport();
const skip = support.ok ? false : `lab not supported on this machine: ${support.reason}`;

t.test('SshConnection on lab nodes', { skip }, async (t) => {
  const lab: Lab = await startLab({ nodes: 2 });
  t.teardown(() => lab.stop());
  const [node1, node2] = lab.nodes;

  const connect = (node: LabNode, options: Partial<SshConnectionOptions> = {}): SshConnection => {
    const c = new SshConnection(node.name, {
      address: node.address,
      port: node.port,
      user: 'root',
      privateKeyFile: lab.rootKeyFile,
      knownHostsFile: lab.knownHostsFile,
      connectTimeoutMs: 10_000,
      ...options,
    });
    t.teardown(() => c.close());
    return c;
  };

  /** `type base64` of each host key the lab recorded for a node. */
  const keysOf = (node: LabNode): string[] =>
    readFileSync(lab.knownHostsFile, 'utf8')
      .split('\n')
      .filter((l) => l.split(' ')[0]?.split(',').includes(node.address))
      .map((l) => l.split(' ').slice(1, 3).join(' '));
  const fingerprintOf = (publicLine: string) => fingerprint(Buffer.from(publicLine.split(' ')[1], 'base64'));
  const ran = async (node: LabNode, marker: string) => (await lab.exec(node, `test -e /root/${marker}`)).exitCode === 0;

  t.test('strict mode accepts the keys in the lab known_hosts', async (t) => {
    for (const node of lab.nodes) {
      t.same(await connect(node).exec('hostname; id -u'), { exitCode: 0, stdout: `${node.name}\n0\n`, stderr: '' });
    }
  });

  t.test("the lab's inventory file connects every node through createConnection", async (t) => {
    const inventory = loadInventory(lab.inventoryFile);
    for (const node of lab.nodes) {
      const host = inventory.host(node.name);
      if (!host) throw new Error(`${node.name} missing from ${lab.inventoryFile}`);
      const c = createConnection(host);
      t.teardown(() => c.close());
      t.equal((await c.exec('hostname')).stdout, `${node.name}\n`);
    }
  });

  t.test('strict mode refuses a node whose key is not on file, and runs nothing', async (t) => {
    const file = join(t.testdir(), 'known_hosts');
    writeFileSync(file, keysOf(node2).map((k) => `${node2.address} ${k}\n`).join(''));
    const err = await connect(node1, { knownHostsFile: file }).exec('touch /root/ran-unknown').catch((e: unknown) => e);
    t.ok(err instanceof UnreachableError);
    const message = (err as Error).message;
    t.match(message, `node1: host key verification failed for ${node1.address}:22`);
    t.ok(keysOf(node1).some((k) => message.includes(`${k.split(' ')[0]} key ${fingerprintOf(k)}`)), 'offered type and fingerprint');
    t.match(message, `ssh-keyscan -p 22 ${node1.address} >> ${file}`);
    t.notOk(await ran(node1, 'ran-unknown'), 'no command ran on the node');
  });

  t.test("a node offering another node's key is refused with both fingerprints", async (t) => {
    const file = join(t.testdir(), 'known_hosts');
    // node1's address, node2's keys: what a machine-in-the-middle looks like.
    writeFileSync(file, keysOf(node2).map((k) => `${node1.address} ${k}\n`).join(''));
    for (const mode of ['strict', 'accept-new'] as const) {
      const err = await connect(node1, { knownHostsFile: file, hostKeyChecking: mode }).exec('touch /root/ran-mitm').catch((e: unknown) => e);
      t.ok(err instanceof UnreachableError, mode);
      const message = (err as Error).message;
      t.match(message, `HOST KEY MISMATCH for ${node1.address}:22`);
      t.ok(keysOf(node1).some((k) => message.includes(fingerprintOf(k))), `${mode}: node1's offered key named`);
      for (const k of keysOf(node2)) t.match(message, fingerprintOf(k), `${mode}: key on file named`);
    }
    t.notOk(await ran(node1, 'ran-mitm'), 'no command ran on the node');
  });

  t.test('accept-new records the key once; strict then uses the record', async (t) => {
    const file = join(t.testdir(), 'dir', 'known_hosts');
    t.equal((await connect(node1, { knownHostsFile: file, hostKeyChecking: 'accept-new' }).exec('hostname')).stdout, 'node1\n');
    const recorded = readFileSync(file, 'utf8');
    t.ok(keysOf(node1).some((k) => recorded === `${node1.address} ${k}\n`), 'one bare-address line with a key of node1');
    t.equal((await $({ nothrow: true, quiet: true })`ssh-keygen -F ${node1.address} -f ${file}`).exitCode, 0, 'ssh-keygen finds it');
    t.equal((await connect(node1, { knownHostsFile: file }).exec('hostname')).stdout, 'node1\n');
    t.equal(readFileSync(file, 'utf8'), recorded, 'nothing added on the second connect');
  });

  t.test('off mode connects despite a wrong known_hosts', async (t) => {
    const file = join(t.testdir(), 'known_hosts');
    writeFileSync(file, keysOf(node2).map((k) => `${node1.address} ${k}\n`).join(''));
    t.equal((await connect(node1, { knownHostsFile: file, hostKeyChecking: 'off' }).exec('hostname')).stdout, 'node1\n');
  });

  t.test('a hashed copy of the lab known_hosts still matches', async (t) => {
    const file = join(t.testdir(), 'known_hosts');
    writeFileSync(file, readFileSync(lab.knownHostsFile));
    await $({ quiet: true })`ssh-keygen -q -H -f ${file}`;
    t.notMatch(readFileSync(file, 'utf8'), node1.address);
    t.equal((await connect(node1, { knownHostsFile: file }).exec('hostname')).stdout, 'node1\n');
  });

  t.test('become with a sudo password; the password shows up nowhere', async (t) => {
    const { name, keyFile, password } = lab.user;
    const c = connect(node1, { user: name, privateKeyFile: keyFile });
    t.equal((await c.exec('id -un')).stdout, `${name}\n`, 'logged in as the user');
    const become = { user: 'root', password };
    const root = await c.exec('id -un; id -u; echo err >&2', { become });
    t.same(root, { exitCode: 0, stdout: 'root\n0\n', stderr: 'err\n' });
    const piped = await c.exec('cat', { become, stdin: Buffer.from('after the password\n\x00\xff') });
    t.same(piped.stdout, Buffer.from('after the password\n\x00\xff').toString(), 'stdin follows the password line');
    const quoted = await c.exec(`printf %s "$(id -u)" > /root/became`, { become });
    t.equal(quoted.exitCode, 0);
    t.equal((await lab.exec(node1, 'cat /root/became')).stdout, '0');
    for (const r of [root, piped, quoted]) t.notMatch(r.stdout + r.stderr, password);

    const wrong = await c.exec('id -u', { become: { user: 'root', password: 'wrong-pw-8d2e' } });
    t.not(wrong.exitCode, 0, 'a wrong password fails');
    t.notMatch(wrong.stdout + wrong.stderr, 'wrong-pw-8d2e');
    // sudo -S would take its next tries from the command's stdin: the first lines of a
    // copied file (the last one here is the right password) must never reach sudo.
    const eaten = await c.exec('cat > /root/copied', { become: { user: 'root', password: 'wrong-pw-8d2e' }, stdin: `line one\n${password}\nrest\n` });
    t.equal(eaten.exitCode, 1, 'fails at once');
    t.match(eaten.stderr, 'sudo refused the become password');
    t.notMatch(eaten.stderr, /try again/, 'sudo never read a second try');
    t.not((await lab.exec(node1, 'test -e /root/copied; echo $?')).stdout.trim(), '0', 'the command did not run');
  });

  t.test('sudo -n without a password fails clearly instead of hanging', async (t) => {
    const c = connect(node2, { user: lab.user.name, privateKeyFile: lab.user.keyFile });
    const started = Date.now();
    const r = await c.exec('id -u', { become: { user: 'root' } });
    t.equal(r.exitCode, 1);
    t.match(r.stderr, /a password is required/);
    t.ok(Date.now() - started < 20_000, 'failed instead of waiting for a password prompt');
    const nopasswd = lab.nopasswdUser;
    if (nopasswd) {
      const ok = await connect(node2, { user: nopasswd.name, privateKeyFile: nopasswd.keyFile }).exec('id -u', { become: { user: 'root' } });
      t.same(ok, { exitCode: 0, stdout: '0\n', stderr: '' }, 'a NOPASSWD user becomes root with sudo -n');
      // A password set for the whole group also reaches NOPASSWD hosts: sudo never reads
      // it there, and it must not end up in the command's stdin (or a file written from it).
      const withPassword = connect(node2, { user: nopasswd.name, privateKeyFile: nopasswd.keyFile });
      const piped = await withPassword.exec('cat', { become: { user: 'root', password: 'group-wide-pw-51c7' }, stdin: 'content\n' });
      t.same(piped, { exitCode: 0, stdout: 'content\n', stderr: '' }, 'NOPASSWD + a password: stdin is only the content');
    }
  });

  t.test('a timeout under become ends the root command too', async (t) => {
    const c = connect(node2, { user: lab.user.name, privateKeyFile: lab.user.keyFile });
    const r = await c.exec('sleep 30.789', { become: { user: 'root', password: lab.user.password }, timeoutMs: 700 });
    t.equal(r.exitCode, 124);
    t.equal((await lab.exec(node2, 'pgrep -f "sleep 30[.]789"')).exitCode, 1, 'no root process left behind');
  });
});
