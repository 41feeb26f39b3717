/**
 * A node that floods or stops answering must not take the controller with it. The
 * attacker's scripts, against a real OpenSSH sshd: a command that writes without end (it
 * crashed the process at 576 MiB, or hung the run while it held the lock), and a node whose
 * network goes silent mid-run (no FIN, no RST: a blackholing TCP relay).
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { LocalConnection } from '../../src/connection/local.ts';
import { DEFAULT_MAX_OUTPUT_BYTES, OutputLimitError } from '../../src/connection/limits.ts';
import { SshConnection } from '../../src/connection/ssh.ts';
import { createHostContext } from '../../src/engine/host-context.ts';
import { UnreachableError } from '../../src/errors.ts';
import { parseReadFile, readFileFact } from '../../tasks/lib/read-file.ts';
import { startLocalSshd } from '../helpers/local-sshd.ts';

const sshd = await startLocalSshd();
t.teardown(() => sshd.stop());
const knownHostsFile = join(t.testdir(), 'known_hosts');
writeFileSync(knownHostsFile, `[${sshd.address}]:${sshd.port} ${sshd.hostKeys[0].publicLine}\n`);

function open(port = sshd.port, extra: { keepaliveIntervalMs?: number } = {}): SshConnection {
  return new SshConnection('node1', { address: sshd.address, port, user: 'root', privateKeyFile: sshd.clientKeyFile, knownHostsFile, ...extra });
}

t.test('ssh: endless output is cut at the cap, the channel aborted, the connection still usable', async (t) => {
  const conn = open();
  t.teardown(() => conn.close());
  await t.rejects(conn.exec('yes flood', { maxOutputBytes: 1024 * 1024 }), new OutputLimitError('stdout', 1024 * 1024));
  await t.rejects(conn.exec('yes flood >&2', { maxOutputBytes: 65536 }), { name: 'OutputLimitError', stream: 'stderr' });
  t.match(await conn.exec('echo still here'), { exitCode: 0, stdout: 'still here\n' }, 'the next command runs');
});

t.test('local: the same cap, the process killed', async (t) => {
  const local = new LocalConnection('localhost');
  await t.rejects(local.exec('yes flood', { maxOutputBytes: 1024 * 1024 }), { name: 'OutputLimitError' });
  t.ok(DEFAULT_MAX_OUTPUT_BYTES >= 16 * 1024 * 1024, 'the default leaves room for kubectl lists');
  await t.rejects(local.exec(`head -c ${DEFAULT_MAX_OUTPUT_BYTES + 1} /dev/zero`), { name: 'OutputLimitError' }, 'a default applies without asking');
});

t.test("fetch/slurp: a node that lies about a file's size is checked on the controller", async (t) => {
  const fact = readFileFact('/etc/hostname', 10);
  t.ok((fact.options?.maxOutputBytes ?? Infinity) < 10_000, 'the read is capped near the limit');
  const lie = { exitCode: 0, stdout: `content\n${Buffer.alloc(4096, 'x').toString('base64')}\n`, stderr: '' };
  t.same(fact.parse(lie), { kind: 'too-large', size: 4096 }, 'over the limit although the node said content');
  t.same(parseReadFile({ exitCode: 0, stdout: 'content\naGk=\n', stderr: '' }, 10), { kind: 'content', content: Buffer.from('hi') });
});

/** A TCP relay to sshd that can start dropping everything, both ways, without closing. */
async function relay(): Promise<{ port: number; blackhole(): void; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  let dropping = false;
  const server = createServer((client) => {
    const upstream = tcpConnect(sshd.port, sshd.address);
    sockets.push(client, upstream);
    client.on('data', (d) => dropping || upstream.write(d));
    upstream.on('data', (d) => dropping || client.write(d));
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    blackhole: () => void (dropping = true),
    close: () => new Promise<void>((resolve) => (sockets.forEach((s) => s.destroy()), server.close(() => resolve()))),
  };
}

t.test('keepalive: a node that goes silent mid-command is unreachable, not a hang', async (t) => {
  const r = await relay();
  t.teardown(() => r.close());
  writeFileSync(knownHostsFile, `[${sshd.address}]:${r.port} ${sshd.hostKeys[0].publicLine}\n`, { flag: 'a' });
  const conn = open(r.port, { keepaliveIntervalMs: 200 });
  t.teardown(() => conn.close());
  t.equal((await conn.exec('true')).exitCode, 0);
  const running = conn.exec('sleep 3600', { timeoutMs: 3_600_000 });
  r.blackhole();
  await t.rejects(running, UnreachableError, 'the lost node is reported');
});

t.test('every command has a default timeout; provision_command_timeout sets it, a module may raise it', async (t) => {
  const conn = open();
  t.teardown(() => conn.close());
  const ctx = (vars: Record<string, unknown>) =>
    createHostContext({
      host: 'node1',
      connection: conn,
      check: false,
      diff: false,
      vars,
      playbookDir: '.',
      signal: new AbortController().signal,
      onProgress: () => undefined,
      onWarning: () => undefined,
    });
  const ended = await ctx({ provision_command_timeout: 1 }).read('sleep 3600');
  t.equal(ended.exitCode, 124, 'a hanging command ends with 124 without any per-call timeout');
  t.equal((await ctx({ provision_command_timeout: 1 }).read('sleep 2; echo done', { timeoutMs: 30_000 })).stdout, 'done\n', 'a module raises it');
});
