/**
 * Taking a lab down, and sweeping up labs whose owner crashed. Synchronous on purpose: it
 * also runs from a process 'exit' handler, where nothing asynchronous gets to finish.
 * Every step tolerates "already gone", so two sweeps racing over one lab do no harm.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BASE_DIR, LAB_PREFIX, bridgeName, isBridgeObject, tagOfObject } from './names.ts';
import { runSync, sleepSync } from './host-commands.ts';
import { isAlive, isLive, readState, type LabState } from './state.ts';

const NETNS_DIR = '/run/netns';
/** A lab directory holds this file from the moment it is made, before state.json exists. */
export const LAB_MARKER = '.provision-lab';
/** A marked directory without state this old is the leftover of a run killed during start-up. */
const UNFINISHED_DIR_AGE_MS = 60_000;

const labLinks = (tag: string): string[] => listDir('/sys/class/net').filter((n) => tagOfObject(n) === tag);
const labNetns = (tag: string): string[] => listDir(NETNS_DIR).filter((n) => tagOfObject(n) === tag);

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Inode of a process's namespace of one kind (what `/proc/PID/ns/KIND` links to). */
export function nsInode(pid: number | 'self', kind: 'net' | 'mnt'): number | undefined {
  try {
    const m = /\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${kind}`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Inode of a named network namespace (the nsfs file under /run/netns). */
export function netnsInode(name: string): number | undefined {
  try {
    return statSync(join(NETNS_DIR, name)).ino;
  } catch {
    return undefined;
  }
}

/** Processes whose network or mount namespace is one of the given ones. */
export function processesIn(netInodes: Set<number>, mntInodes: Set<number>): number[] {
  const hostNet = nsInode('self', 'net');
  const hostMnt = nsInode('self', 'mnt');
  const pids: number[] = [];
  for (const entry of listDir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || pid === 1) continue;
    const net = nsInode(pid, 'net');
    const mnt = nsInode(pid, 'mnt');
    // Never the host's own namespaces, whatever a corrupt state file says.
    if (net !== undefined && net !== hostNet && netInodes.has(net)) pids.push(pid);
    else if (mnt !== undefined && mnt !== hostMnt && mntInodes.has(mnt)) pids.push(pid);
  }
  return pids;
}

/** SIGKILL every process in the namespaces until none is left (sshd forks on new connections). */
function killAll(netInodes: Set<number>, mntInodes: Set<number>): void {
  for (let round = 0; round < 200; round++) {
    const pids = processesIn(netInodes, mntInodes);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    sleepSync(10);
  }
  throw new Error('lab processes survive SIGKILL');
}

/** Remove the kernel objects of a lab tag: processes in its netns, veths, netns, bridge. */
function removeKernelObjects(tag: string, extraNet: number[] = [], extraMnt: number[] = []): void {
  const netInodes = new Set<number>(extraNet);
  for (const ns of labNetns(tag)) {
    const ino = netnsInode(ns);
    if (ino !== undefined) netInodes.add(ino);
  }
  killAll(netInodes, new Set(extraMnt));
  // Deleting the host end removes the pair at once; deleting a netns frees it only later.
  for (const link of labLinks(tag).filter((l) => !isBridgeObject(l))) runSync('ip', ['link', 'del', link]);
  for (const ns of labNetns(tag)) runSync('ip', ['netns', 'del', ns]);
  for (const bridge of labLinks(tag).filter(isBridgeObject)) runSync('ip', ['link', 'del', bridge]);
  const left = [...labLinks(tag), ...labNetns(tag)];
  if (left.length > 0) throw new Error(`could not remove lab objects: ${left.join(', ')}`);
}

/** Stop a lab completely and delete its directory. */
export function teardownLab(state: LabState): void {
  const net = state.nodes.flatMap((n) => (n.netInode !== undefined ? [n.netInode] : []));
  const mnt = state.nodes.flatMap((n) => (n.mntInode !== undefined ? [n.mntInode] : []));
  for (const node of state.nodes) {
    if (node.init && isAlive(node.init)) process.kill(node.init.pid, 'SIGKILL');
  }
  removeKernelObjects(state.tag, net, mnt);
  if (existsSync(join(state.dir, LAB_MARKER))) rmSync(state.dir, { recursive: true, force: true });
}

function isUnfinishedLabDir(dir: string): boolean {
  try {
    return Date.now() - statSync(join(dir, LAB_MARKER)).mtimeMs > UNFINISHED_DIR_AGE_MS;
  } catch {
    return false; // not a lab directory: never touch it
  }
}

/**
 * Remove what crashed or interrupted runs left: lab directories under `baseDir` whose owner
 * is gone, and `pv-*` kernel objects anywhere on the host whose lab is gone. Live labs,
 * including those of other processes starting right now, are left alone. Returns the ids
 * (or tags, for objects without a directory) removed.
 */
export function cleanupStaleLabs(baseDir: string = DEFAULT_BASE_DIR): string[] {
  const removed: string[] = [];
  const liveTags = new Set<string>();
  for (const entry of listDir(baseDir)) {
    const dir = join(baseDir, entry);
    const state = readState(dir);
    if (state && isLive(state)) liveTags.add(state.tag);
    else if (state) {
      teardownLab(state);
      removed.push(state.id);
    } else if (isUnfinishedLabDir(dir)) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(entry);
    }
  }
  const tags = new Set(
    [...listDir('/sys/class/net'), ...listDir(NETNS_DIR)].flatMap((n) => {
      const tag = n.startsWith(LAB_PREFIX) ? tagOfObject(n) : undefined;
      return tag !== undefined && !liveTags.has(tag) ? [tag] : [];
    }),
  );
  for (const tag of tags) {
    const state = ownerState(tag);
    if (state && state.tag === tag) {
      if (isLive(state)) continue;
      teardownLab(state);
      removed.push(state.id);
      continue;
    }
    // A lab started by another process since the directory scan above writes its state
    // before it creates its bridge (and names the bridge's owner only after): look again.
    if (liveTagsIn(baseDir).has(tag)) continue;
    // No lab directory claims these objects: keep them only while something runs inside.
    const inodes = labNetns(tag).flatMap((ns) => netnsInode(ns) ?? []);
    if (processesIn(new Set(inodes), new Set()).length > 0) continue;
    removeKernelObjects(tag);
    removed.push(tag);
  }
  return removed;
}

function liveTagsIn(baseDir: string): Set<string> {
  const tags = new Set<string>();
  for (const entry of listDir(baseDir)) {
    const state = readState(join(baseDir, entry));
    if (state && isLive(state)) tags.add(state.tag);
  }
  return tags;
}

/** The state of the lab that owns a tag's bridge (its ifalias is the lab directory). */
function ownerState(tag: string): LabState | undefined {
  try {
    const dir = readFileSync(`/sys/class/net/${bridgeName(tag)}/ifalias`, 'utf8').trim();
    return dir ? readState(dir) : undefined;
  } catch {
    return undefined;
  }
}
