/**
 * Connection faults on a lab node, by pid: the node's sshd is the one the lab started (its
 * pid file, /run/sshd.pid inside the node); its sessions and the commands they run are its
 * descendants, found through /proc's parent links. Nothing else is signalled.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEEP_NODE_FILE } from '../lab/node-init.ts';
import { sshBanner } from '../lab/node-probe.ts';
import type { Lab } from '../lab/types.ts';

function parentOf(pid: number): number | undefined {
  try {
    // Field 4 of /proc/PID/stat, after the command name in parentheses (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root`, children before grandchildren. */
export function descendantsOf(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(Number(entry));
    if (parent !== undefined) parents.set(Number(entry), parent);
  }
  const out: number[] = [];
  for (let frontier = [root]; frontier.length > 0; ) {
    const next = [...parents].filter(([, parent]) => frontier.includes(parent)).map(([pid]) => pid);
    out.push(...next);
    frontier = next;
  }
  return out;
}

export function sshdPid(lab: Lab, node: string): number {
  return Number(readFileSync(join(lab.hostPath(node, '/run'), 'sshd.pid'), 'utf8').trim());
}

function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * The connection cut: every session of the node's sshd dies with what it runs (as when the
 * node's network or sshd goes away under a running command); the listener stays.
 */
export function cutSessions(lab: Lab, node: string): number {
  const pids = descendantsOf(sshdPid(lab, node));
  killAll(pids);
  return pids.length;
}

/** sshd killed: the listener and every session; nothing answers on port 22 until `restartSshd`. */
export function killSshd(lab: Lab, node: string): void {
  // The node outlives its sshd only when asked to (test/lab/node-init.ts).
  writeFileSync(lab.hostPath(node, KEEP_NODE_FILE), '');
  const listener = sshdPid(lab, node);
  killAll([listener, ...descendantsOf(listener)]);
}

/** Start the node's sshd again and wait until it answers with its banner. */
export async function restartSshd(lab: Lab, node: string): Promise<void> {
  const r = await lab.exec(node, '/usr/sbin/sshd -f /etc/ssh/sshd_config');
  if (r.exitCode !== 0) throw new Error(`${node}: sshd did not start again: ${r.stderr}`);
  const address = lab.nodes.find((n) => n.name === node)!.address;
  // Each probe is a connect that ends in a banner or a refusal: an event, not a timer.
  for (let attempt = 0; attempt < 500; attempt++) if (await sshBanner(address, 22)) return;
  throw new Error(`${node}: sshd does not answer after its restart`);
}
