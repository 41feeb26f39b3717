/** Is a node's sshd up? Checked the way a client sees it: a TCP connect and an SSH banner. */
import { connect } from 'node:net';
import { run } from './host-commands.ts';
import { existsSync, readFileSync } from 'node:fs';
import { isAlive, type ProcessRef } from './state.ts';

/** True when something at address:port answers with an `SSH-2.0-` banner within timeoutMs. */
export function sshBanner(address: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    let received = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\n')) done(received.startsWith('SSH-2.0-'));
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

export interface ProbeTarget {
  name: string;
  address: string;
  port: number;
  init?: ProcessRef;
  logFile: string;
  /** Host side of sshd's PidFile: sshd writes it once it listens. */
  pidFile: string;
  /** How to ask whether sshd answers; default a TCP connect from the host. */
  probe?: () => Promise<boolean>;
}

/**
 * The banner check from inside a network namespace, for nodes the host cannot reach:
 * ssh-keyscan run there gets a host key only from a server that speaks SSH.
 */
export async function sshBannerInNetns(netns: string, address: string, port: number): Promise<boolean> {
  const r = await run('ip', ['netns', 'exec', netns, 'ssh-keyscan', '-T', '1', '-p', String(port), address]);
  return r.exitCode === 0 && r.stdout.trim() !== '';
}

/**
 * Wait until the node's sshd answers; fail at once, with the node's log, if its init died.
 * Nothing is sent to the node before sshd's pid file exists: a SYN to an address not yet
 * configured costs a one-second TCP retransmit.
 */
export async function waitForSshd(node: ProbeTarget, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = node.probe ?? (() => sshBanner(node.address, node.port, 1000));
    if (existsSync(node.pidFile) && (await probe())) return;
    if (!isAlive(node.init) || Date.now() > deadline) {
      const why = isAlive(node.init) ? `sshd did not answer within ${timeoutMs} ms` : 'its init exited';
      throw new Error(`lab node ${node.name} failed to start: ${why}\n${logTail(node.logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

function logTail(file: string): string {
  if (!existsSync(file)) return '(no node log)';
  return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
}
