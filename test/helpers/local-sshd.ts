/**
 * A real OpenSSH sshd on 127.0.0.1 and a free port, configured entirely from a temp
 * directory (its own host keys, a client key in AuthorizedKeysFile, a log file). Tests that
 * need one sshd and no K3s layout use it instead of the full lab.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';

export interface LocalHostKey {
  type: string;
  /** Raw public key blob, as a client sees it in the handshake. */
  blob: Buffer;
  /** The `.pub` file's `type base64` part. */
  publicLine: string;
}

export interface LocalSshd {
  address: string;
  port: number;
  dir: string;
  /** Host keys the server offers, in the order given at start. */
  hostKeys: LocalHostKey[];
  /** Private key (no passphrase) authorized for root. */
  clientKeyFile: string;
  /** sshd's own log (LogLevel VERBOSE): one "Connection from" line per TCP connection. */
  logFile: string;
  /** Number of TCP connections sshd has accepted so far, read from its log. */
  connectionCount(): number;
  stop(): Promise<void>;
}

export interface LocalSshdOptions {
  /** ssh-keygen -t values for the host keys; default ['ed25519']. */
  hostKeyTypes?: string[];
}

export async function startLocalSshd(options: LocalSshdOptions = {}): Promise<LocalSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'provision-sshd-'));
  // sshd refuses to start without its privilege separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKeys: LocalHostKey[] = [];
  const hostKeyFiles: string[] = [];
  for (const type of options.hostKeyTypes ?? ['ed25519']) {
    const file = join(dir, `ssh_host_${type}_key`);
    await $({ quiet: true })`ssh-keygen -q -t ${type} -N '' -f ${file}`;
    const publicLine = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const [keyType, b64] = publicLine.split(' ');
    hostKeys.push({ type: keyType, blob: Buffer.from(b64, 'base64'), publicLine });
    hostKeyFiles.push(file);
  }
  const clientKeyFile = join(dir, 'client_key');
  await $({ quiet: true })`ssh-keygen -q -t ed25519 -N '' -f ${clientKeyFile}`;
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKeyFile}.pub`));

  const logFile = join(dir, 'sshd.log');
  const config = join(dir, 'sshd_config');
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        ...hostKeyFiles.map((f) => `HostKey ${f}`),
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'StrictModes no',
        'UsePAM no',
        'PermitRootLogin yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const child = spawn('/usr/sbin/sshd', ['-D', '-f', config, '-E', logFile], { stdio: 'ignore' });
    const up = await waitForListen(port, child);
    if (up) return handle(dir, port, hostKeys, clientKeyFile, logFile, child);
    lastError = readLog(logFile);
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`sshd did not start: ${lastError}`);
}

function handle(
  dir: string,
  port: number,
  hostKeys: LocalHostKey[],
  clientKeyFile: string,
  logFile: string,
  child: ChildProcess,
): LocalSshd {
  return {
    address: '127.0.0.1',
    port,
    dir,
    hostKeys,
    clientKeyFile,
    logFile,
    connectionCount: () => (readLog(logFile).match(/Connection from /g) ?? []).length,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Poll until the port accepts TCP connections, or the daemon has exited (port taken, bad config). */
async function waitForListen(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const sock = tcpConnect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  return false;
}
