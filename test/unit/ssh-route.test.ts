import t from 'tap';
import { SshConnection } from '../../src/connection/ssh.ts';
import { startProxyCommand } from '../../src/connection/proxy.ts';

t.test('a ProxyCommand is run through /bin/sh (exec COMMAND, as OpenSSH); its stdio is the stream', async (t) => {
  const proxy = startProxyCommand("sed -u 's/^/got:/' # a shell comment is fine");
  const out: Buffer[] = [];
  proxy.stream.on('data', (d: Buffer) => out.push(d));
  const ended = new Promise((r) => proxy.stream.once('end', r));
  proxy.stream.end('hello\n');
  await ended;
  t.equal(Buffer.concat(out).toString(), 'got:hello\n');
  proxy.stream.destroy();
});

t.test('a ProxyCommand that fails: unreachable, with how it ended and its stderr (control characters escaped)', async (t) => {
  const conn = new SshConnection('node1', {
    address: '192.0.2.1',
    user: 'root',
    knownHostsFile: '/nonexistent/known_hosts',
    connectTimeoutMs: 5000,
    proxyCommand: `sh -c "printf 'no route to %s\\033[31m\\n' bastion >&2; exit 7"`,
  });
  await t.rejects(conn.connect(), {
    name: 'UnreachableError',
    message: /node1: .*ProxyCommand "sh -c .*"; exited with 7; stderr: no route to bastion\\x1b\[31m/,
  });
  await conn.close();
});

t.test('a jump host that cannot be reached is named in the error', async (t) => {
  const conn = new SshConnection('node1', {
    address: '10.214.0.3',
    user: 'root',
    knownHostsFile: '/nonexistent/known_hosts',
    jumps: [{ name: 'bastion', address: '127.0.0.1', port: 1, user: 'ops', knownHostsFile: '/nonexistent/known_hosts', hostKeyChecking: 'strict', connectTimeoutMs: 5000 }],
  });
  await t.rejects(conn.connect(), { name: 'UnreachableError', message: 'node1: jump host bastion: connection refused by 127.0.0.1:1 (no sshd listening?)' });
  await conn.close();
});

t.test('a jump host key file that cannot be read is named', async (t) => {
  const conn = new SshConnection('node1', {
    address: '10.214.0.3',
    user: 'root',
    knownHostsFile: '/nonexistent/known_hosts',
    jumps: [{ name: 'bastion', address: '127.0.0.1', port: 1, user: 'ops', privateKeyFile: '/nonexistent/key', knownHostsFile: '/k', hostKeyChecking: 'strict' }],
  });
  await t.rejects(conn.connect(), { message: /node1: jump host bastion: cannot read private key file \/nonexistent\/key/ });
});
