/**
 * SshConnection against a real OpenSSH sshd on 127.0.0.1 (test/helpers/local-sshd.ts):
 * command results, stdin, connection reuse, timeouts, host key modes, auth and the errors
 * of hosts that cannot be reached. The same host key checks, become and sudo run on lab
 * nodes in ssh-lab-node.test.ts.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { $ } from 'zx';
import { fingerprint } from '../../src/connection/known-hosts.ts';
import { SshConnection, type SshConnectionOptions } from '../../src/connection/ssh.ts';
import { UnreachableError } from '../../src/errors.ts';
import { startLocalSshd } from '../helpers/local-sshd.ts';

const sshd = await startLocalSshd({ hostKeyTypes: ['ed25519', 'ecdsa'] });
t.teardown(() => sshd.stop());
const [edKey, ecdsaKey] = sshd.hostKeys;
const where = `${sshd.address}:${sshd.port}`;
const entry = `[${sshd.address}]:${sshd.port}`;

/** A throw-away ed25519 key that is not the server's. */
async function strangerKey(dir: string): Promise<string> {
  await $({ quiet: true })`ssh-keygen -q -t ed25519 -N '' -f ${join(dir, 'stranger')}`;
  return readFileSync(join(dir, 'stranger.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

function knownHosts(dir: string, ...lines: string[]): string {
  const file = join(dir, 'known_hosts');
  writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

function open(options: Partial<SshConnectionOptions> & { knownHostsFile: string }): SshConnection {
  return new SshConnection('node1', {
    address: sshd.address,
    port: sshd.port,
    user: 'root',
    privateKeyFile: sshd.clientKeyFile,
    connectTimeoutMs: 5000,
    ...options,
  });
}

const trusted = knownHosts(t.testdir(), `${entry} ${edKey.publicLine}`, `${entry} ${ecdsaKey.publicLine}`);
const conn = open({ knownHostsFile: trusted });
t.teardown(() => conn.close());

t.test('non-zero exit codes and stderr with exit 0 are results, not errors', async (t) => {
  t.match(await conn.exec('echo out; echo err >&2; exit 3'), { exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
  t.same(await conn.exec('echo warning >&2'), { exitCode: 0, stdout: '', stderr: 'warning\n' });
  t.equal((await conn.exec('exit 255')).exitCode, 255);
});

t.test('stdout and stderr stay separate, however interleaved and large', async (t) => {
  const res = await conn.exec('i=0; while [ $i -lt 2000 ]; do echo "o$i"; echo "e$i" >&2; i=$((i+1)); done');
  const lines = (prefix: string) => Array.from({ length: 2000 }, (_, i) => `${prefix}${i}\n`).join('');
  t.equal(res.stdout, lines('o'));
  t.equal(res.stderr, lines('e'));
});

t.test('stdin is delivered byte-exact and then closed', async (t) => {
  const bytes = Buffer.alloc(300_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  const res = await conn.exec('f=$(mktemp) && cat > "$f" && sha256sum < "$f" | cut -d" " -f1 && wc -c < "$f"; rm -f "$f"', { stdin: bytes });
  const expected = (await $({ quiet: true, input: bytes })`sha256sum`).stdout.split(' ')[0];
  t.equal(res.stdout, `${expected}\n${bytes.length}\n`);
  t.equal((await conn.exec('cat', { stdin: 'héllo\n日本\n' })).stdout, 'héllo\n日本\n', 'UTF-8 text');
  t.equal((await conn.exec('cat; echo done')).stdout, 'done\n', 'no stdin: EOF at once, nothing hangs');
});

t.test('every exec reuses the one connection', async (t) => {
  const fresh = open({ knownHostsFile: trusted });
  t.teardown(() => fresh.close());
  const before = sshd.connectionCount();
  await fresh.connect();
  await fresh.connect();
  const serial: string[] = [];
  for (let i = 0; i < 5; i++) serial.push((await fresh.exec('echo $SSH_CLIENT')).stdout);
  const parallel = await Promise.all(Array.from({ length: 5 }, () => fresh.exec('echo $SSH_CLIENT')));
  const clients = new Set([...serial, ...parallel.map((r) => r.stdout)]);
  t.equal(clients.size, 1, 'one client address:port for all ten commands');
  t.equal(sshd.connectionCount() - before, 1, 'sshd accepted one TCP connection');
  t.equal(fresh.handshakes, 1, 'one ssh handshake');
});

t.test('a command killed by a signal reports the signal', async (t) => {
  t.match(await conn.exec('kill -KILL $$'), { exitCode: 137, signal: 'SIGKILL' });
  t.match(await conn.exec('echo before; kill -TERM $$'), { exitCode: 143, signal: 'SIGTERM', stdout: 'before\n' });
});

t.test('timeout ends the command and its children and returns 124', async (t) => {
  let started = Date.now();
  const res = await conn.exec('echo early; sleep 30.123; echo late', { timeoutMs: 500 });
  t.match(res, { exitCode: 124, stdout: 'early\n' });
  t.ok(Date.now() - started < 20_000, 'returned long before the 30 s command would end');
  t.equal((await conn.exec('pgrep -f "sleep 30[.]123"')).exitCode, 1, 'no process left behind');

  started = Date.now();
  const stubborn = await conn.exec("trap '' TERM; sleep 30.456", { timeoutMs: 300 });
  t.equal(stubborn.exitCode, 124, 'a command ignoring SIGTERM is killed too');
  t.ok(Date.now() - started < 20_000, 'returned long before the 30 s command would end');
  t.equal((await conn.exec('pgrep -f "sleep 30[.]456"')).exitCode, 1, 'no process left behind');

  // A daemon started without redirecting its output holds the channel open after the
  // command has exited; past the timeout we stop waiting for it.
  // It writes its own pid, so that the test ends exactly the process it started.
  const pidFile = join(t.testdir(), 'daemon.pid');
  started = Date.now();
  const held = await conn.exec(
    `setsid sh -c 'echo $$ > ${pidFile}.new; mv ${pidFile}.new ${pidFile}; exec sleep 30.321' & until [ -s ${pidFile} ]; do sleep 0.01; done; echo started`,
    { timeoutMs: 300 },
  );
  t.match(held, { exitCode: 124, stdout: 'started\n' });
  t.ok(Date.now() - started < 25_000, `gave up after ${Date.now() - started} ms, before the 30 s daemon`);
  const daemon = Number(readFileSync(pidFile, 'utf8'));
  t.ok(Number.isInteger(daemon) && daemon > 1, `the daemon wrote its pid (${daemon})`);
  process.kill(daemon, 'SIGTERM');

  t.same(await conn.exec('echo quick', { timeoutMs: 5000 }), { exitCode: 0, stdout: 'quick\n', stderr: '' }, 'a quick command is unaffected');
  t.equal((await conn.exec('exit 7', { timeoutMs: 5000 })).exitCode, 7);
});

t.test('strict mode refuses an unknown host key and runs nothing', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'known_hosts');
  const canary = join(dir, 'ran');
  const c = open({ knownHostsFile: file });
  const err = await c.exec(`touch ${canary}`).catch((e: unknown) => e);
  t.ok(err instanceof UnreachableError);
  const message = (err as Error).message;
  t.match(message, /^node1: /);
  t.match(message, where);
  t.match(message, /ssh-(ed25519|ecdsa)|ecdsa-sha2/);
  t.ok([edKey, ecdsaKey].some((k) => message.includes(fingerprint(k.blob))), 'offered fingerprint named');
  t.match(message, 'no key for this host is on file');
  t.match(message, `ssh-keyscan -p ${sshd.port} ${sshd.address} >> ${file}`);
  t.match(message, 'provision_host_key_checking: accept-new');
  t.notOk(existsSync(canary), 'no command ran');
  t.notOk(existsSync(file), 'strict mode writes nothing');

  // The advice in the message works.
  await $({ quiet: true })`ssh-keyscan -p ${sshd.port} ${sshd.address} >> ${file}`.nothrow();
  const again = open({ knownHostsFile: file });
  t.teardown(() => again.close());
  t.equal((await again.exec('echo ok')).stdout, 'ok\n', 'connects after ssh-keyscan');
});

t.test('strict and accept-new refuse a changed key, naming both fingerprints', async (t) => {
  const dir = t.testdir();
  const stranger = await strangerKey(dir);
  const file = knownHosts(dir, `${entry} ${stranger}`);
  const strangerFp = fingerprint(Buffer.from(stranger.split(' ')[1], 'base64'));
  for (const mode of ['strict', 'accept-new'] as const) {
    const canary = join(dir, `ran-${mode}`);
    const err = await open({ knownHostsFile: file, hostKeyChecking: mode })
      .exec(`touch ${canary}`)
      .catch((e: unknown) => e);
    t.ok(err instanceof UnreachableError, mode);
    const message = (err as Error).message;
    t.match(message, 'HOST KEY MISMATCH', mode);
    t.match(message, where);
    t.match(message, `ssh-ed25519 key ${fingerprint(edKey.blob)}`, 'the offered key (the type on file is asked for first)');
    t.match(message, strangerFp, 'the key on file');
    t.notOk(existsSync(canary), `${mode}: no command ran`);
  }
  t.equal(readFileSync(file, 'utf8'), `${entry} ${stranger}\n`, 'known_hosts untouched');
});

t.test('accept-new records an unknown key and the next connection uses it', async (t) => {
  const file = join(t.testdir(), 'fresh', '.ssh', 'known_hosts');
  const first = open({ knownHostsFile: file, hostKeyChecking: 'accept-new' });
  t.equal((await first.exec('echo one')).stdout, 'one\n');
  await first.close();
  const recorded = readFileSync(file, 'utf8');
  t.match(recorded, new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} (ssh-ed25519|ecdsa-sha2-nistp256) \\S+\\n$`));
  const second = open({ knownHostsFile: file, hostKeyChecking: 'strict' });
  t.teardown(() => second.close());
  t.equal((await second.exec('echo two')).stdout, 'two\n', 'strict accepts the recorded key');
  t.equal(readFileSync(file, 'utf8'), recorded, 'nothing added the second time');
});

t.test('off mode connects whatever known_hosts says', async (t) => {
  const dir = t.testdir();
  const file = knownHosts(dir, `${entry} ${await strangerKey(dir)}`);
  const c = open({ knownHostsFile: file, hostKeyChecking: 'off' });
  t.teardown(() => c.close());
  t.equal((await c.exec('echo off')).stdout, 'off\n');
});

t.test('a hashed known_hosts entry matches', async (t) => {
  const file = knownHosts(t.testdir(), `${entry} ${edKey.publicLine}`);
  await $({ quiet: true })`ssh-keygen -q -H -f ${file}`;
  t.notMatch(readFileSync(file, 'utf8'), '127.0.0.1');
  const c = open({ knownHostsFile: file });
  t.teardown(() => c.close());
  t.equal((await c.exec('echo hashed')).stdout, 'hashed\n');
});

t.test('the host key type on file is negotiated when the server has several', async (t) => {
  const file = knownHosts(t.testdir(), `${entry} ${ecdsaKey.publicLine}`);
  const c = open({ knownHostsFile: file });
  t.teardown(() => c.close());
  t.equal((await c.exec('echo ecdsa')).stdout, 'ecdsa\n');
});

t.test('authentication: passphrase-protected key, ssh-agent, and failures that name no secret', async (t) => {
  const dir = t.testdir();
  const keyFile = join(dir, 'locked');
  const passphrase = 'pass phrase 7fe1';
  await $({ quiet: true })`ssh-keygen -q -t ed25519 -N ${passphrase} -f ${keyFile}`;
  appendFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${keyFile}.pub`));

  const locked = open({ knownHostsFile: trusted, privateKeyFile: keyFile, passphrase });
  t.equal((await locked.exec('echo unlocked')).stdout, 'unlocked\n');
  await locked.close();

  const wrong = await open({ knownHostsFile: trusted, privateKeyFile: keyFile, passphrase: 'not it 0b3c' }).connect().catch((e: unknown) => e);
  t.ok(wrong instanceof UnreachableError, 'wrong passphrase');
  t.match((wrong as Error).message, keyFile);
  t.notMatch((wrong as Error).message, 'not it 0b3c');

  const missing = await open({ knownHostsFile: trusted, privateKeyFile: join(dir, 'absent') }).connect().catch((e: unknown) => e);
  t.ok(missing instanceof UnreachableError);
  t.match((missing as Error).message, `cannot read private key file ${join(dir, 'absent')}`);

  const password = 'secret-pw-51a9';
  const denied = await open({ knownHostsFile: trusted, privateKeyFile: await strangerKeyFile(dir), password }).connect().catch((e: unknown) => e);
  t.ok(denied instanceof UnreachableError, 'unknown key and a password the server does not take');
  t.match((denied as Error).message, /authentication as root on 127\.0\.0\.1:\d+ failed \(tried: private key .*, password\)/);
  t.notMatch((denied as Error).message, password);

  // A unix socket path must stay short; the test directory's is too long.
  const agentDir = mkdtempSync(join(tmpdir(), 'provision-agent-'));
  t.teardown(() => rmSync(agentDir, { recursive: true, force: true }));
  const socket = join(agentDir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  t.teardown(() => agent.kill());
  for (let i = 0; i < 50 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  await $({ quiet: true, env: { ...process.env, SSH_AUTH_SOCK: socket } })`ssh-add ${sshd.clientKeyFile}`;
  const viaAgent = open({ knownHostsFile: trusted, privateKeyFile: undefined, agent: socket });
  t.teardown(() => viaAgent.close());
  t.equal((await viaAgent.exec('echo agent')).stdout, 'agent\n');
});

async function strangerKeyFile(dir: string): Promise<string> {
  await strangerKey(dir);
  return join(dir, 'stranger');
}

t.test('unreachable hosts fail fast with UnreachableError', async (t) => {
  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  let started = Date.now();
  const refused = await open({ knownHostsFile: trusted, port: closedPort }).connect().catch((e: unknown) => e);
  t.ok(refused instanceof UnreachableError);
  t.match((refused as Error).message, `node1: connection refused by 127.0.0.1:${closedPort}`);
  t.ok(Date.now() - started < 20_000, 'no reconnect loop (ssh2-promise would retry for 50 s)');

  // A port that accepts TCP but never speaks SSH: the connect timeout applies.
  const sockets: Socket[] = [];
  const silent = createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), silent.close(() => r()))));
  const silentPort = (silent.address() as { port: number }).port;
  started = Date.now();
  const timedOut = await open({ knownHostsFile: trusted, port: silentPort, connectTimeoutMs: 700 }).connect().catch((e: unknown) => e);
  t.ok(timedOut instanceof UnreachableError);
  t.match((timedOut as Error).message, `no SSH session with 127.0.0.1:${silentPort} within 700 ms`);
  t.ok(Date.now() - started < 20_000, 'gave up at the connect timeout instead of hanging');
});

t.test('a connection dropped by the server makes later execs fail as unreachable', async (t) => {
  const c = open({ knownHostsFile: trusted });
  t.teardown(() => c.close());
  t.equal((await c.exec('echo up')).exitCode, 0);
  // $PPID is the sshd session process serving this connection.
  await c.exec('kill $PPID').catch(() => undefined);
  const err = await c.exec('echo again').catch((e: unknown) => e);
  t.ok(err instanceof UnreachableError);
  t.match((err as Error).message, /node1: .*127\.0\.0\.1/);
});
