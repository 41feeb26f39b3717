/**
 * Host keys against a real OpenSSH sshd: accept-new pins a key only after the connection
 * was made (a server that fails the handshake or the login leaves nothing behind), and with
 * checking off no password is ever sent, the run warns instead of staying silent.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SshConnection } from '../../src/connection/ssh.ts';
import { UnreachableError } from '../../src/errors.ts';
import { startLocalSshd } from '../helpers/local-sshd.ts';

const sshd = await startLocalSshd();
t.teardown(() => sshd.stop());

function open(knownHostsFile: string, extra: Partial<ConstructorParameters<typeof SshConnection>[1]> = {}): SshConnection {
  return new SshConnection('node1', { address: sshd.address, port: sshd.port, user: 'root', privateKeyFile: sshd.clientKeyFile, knownHostsFile, ...extra });
}

t.test('accept-new: a login that fails pins nothing; one that succeeds pins the key', async (t) => {
  const kh = join(t.testdir(), 'known_hosts');
  const denied = open(kh, { hostKeyChecking: 'accept-new', user: 'nobody-here' });
  await t.rejects(denied.connect(), UnreachableError);
  await denied.close();
  t.notOk(existsSync(kh), 'no key was written for a connection that never came up');
  const good = open(kh, { hostKeyChecking: 'accept-new' });
  t.teardown(() => good.close());
  t.equal((await good.exec('echo ok')).stdout, 'ok\n');
  t.equal(readFileSync(kh, 'utf8'), `[${sshd.address}]:${sshd.port} ${sshd.hostKeys[0].publicLine}\n`);
});

t.test('off: a login password or a become password is refused, with a warning for the rest', async (t) => {
  const kh = join(t.testdir(), 'known_hosts');
  const withPassword = open(kh, { hostKeyChecking: 'off', password: 'login-secret' });
  await t.rejects(withPassword.connect(), { message: /refusing to send a password to .* with host key checking off/ });
  const keyOnly = open(kh, { hostKeyChecking: 'off' });
  t.teardown(() => keyOnly.close());
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    t.equal((await keyOnly.exec('echo ok')).stdout, 'ok\n', 'a key login still works');
  } finally {
    process.stderr.write = write;
  }
  t.match(written.join(''), /\[WARNING\]: host key checking is off for node1 .*a man in the middle would not be noticed/);
  await t.rejects(keyOnly.exec('id', { become: { user: 'root', password: 'sudo-secret' } }), { message: /refusing to send the become password/ });
});
