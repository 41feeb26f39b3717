/**
 * What a lab records on disk (`<lab dir>/state.json`), so that `lab down`, `lab status` and
 * the stale-lab sweep can find every process and kernel object a lab made, even after the
 * process that started it is gone. It is written before any kernel object is created.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A process as (pid, start time): a pid alone may have been reused by now. */
export interface ProcessRef {
  pid: number;
  start: string;
}

export interface NodeState {
  name: string;
  /** 1-based position; names the node's netns and host veth. */
  index: number;
  address: string;
  root: string;
  netns: string;
  /** Host end of eth0's veth: on the lab bridge, or on the private bridge for its members. */
  hostVeth: string;
  /** 'private': a member of the private network; 'gateway': on both networks (eth1 private). */
  role?: 'private' | 'gateway';
  privateAddress?: string;
  privateVeth?: string;
  /** The node's init process (parent of its sshd) once started. */
  init?: ProcessRef;
  /** Namespace inode numbers, to find every process in the node even after the netns name is gone. */
  netInode?: number;
  mntInode?: number;
}

export interface LabUserState {
  name: string;
  keyFile: string;
  password?: string;
}

export interface LabState {
  version: 1;
  id: string;
  tag: string;
  dir: string;
  bridge: string;
  /** The private network's bridge, when the lab has one. */
  privateBridge?: string;
  /** X of 10.213.X.0/24 once claimed. */
  subnet?: number;
  /** The process the lab lives and dies with; null for a detached lab (`lab up`). */
  owner: ProcessRef | null;
  status: 'starting' | 'running';
  rootKeyFile: string;
  user: LabUserState & { password: string };
  nopasswdUser: LabUserState;
  nodes: NodeState[];
}

export const stateFile = (dir: string): string => join(dir, 'state.json');

export function writeState(state: LabState): void {
  const file = stateFile(state.dir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file); // readers never see a half-written file
}

export function readState(dir: string): LabState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as LabState;
    return state.version === 1 ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Start time of a process (field 22 of /proc/PID/stat), or undefined when it is gone. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields after it do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie runs nothing any more
    return fields[19];
  } catch {
    return undefined;
  }
}

export function processRef(pid: number): ProcessRef {
  const start = processStart(pid);
  if (start === undefined) throw new Error(`process ${pid} is gone`);
  return { pid, start };
}

export function isAlive(ref: ProcessRef | undefined): boolean {
  return ref !== undefined && processStart(ref.pid) === ref.start;
}

/**
 * A lab is live while its owner runs; a detached lab while any node's init runs.
 * Anything else is the leftover of a crash or an interrupted run.
 */
export function isLive(state: LabState): boolean {
  if (state.owner) return isAlive(state.owner);
  return state.nodes.some((n) => isAlive(n.init));
}
