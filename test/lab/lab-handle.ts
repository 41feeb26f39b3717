/**
 * The `Lab` object over a lab's recorded state, for the process that started it and for
 * later ones (`lab down`, `lab status`, tools attaching to a running lab with openLab).
 */
import { join } from 'node:path';
import type { ExecResult } from '../../src/connection/types.ts';
import type { Lab, LabNode } from './types.ts';
import { hostAddressOf, hostPathIn } from './names.ts';
import { run } from './host-commands.ts';
import { isAlive, readState, type LabState, type NodeState } from './state.ts';
import { teardownLab } from './teardown.ts';

/** Labs this process owns: torn down when it exits, however it gets there short of SIGKILL. */
const owned = new Map<string, LabState>();
let exitHookInstalled = false;

export function trackOwnedLab(state: LabState): void {
  owned.set(state.dir, state);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const s of owned.values()) {
      try {
        teardownLab(s);
      } catch (e) {
        process.stderr.write(`provision lab ${s.id}: teardown at exit failed: ${(e as Error).message}\n`);
      }
    }
  });
}

export function untrackOwnedLab(state: LabState): void {
  owned.delete(state.dir);
}

/** Run a command in a node's namespaces as root; never runs anywhere else, even if the node died. */
async function execInNode(node: NodeState, command: string): Promise<ExecResult> {
  // A dead init's pid may belong to another process by now: entering its namespaces could
  // run the command on the host.
  if (!node.init || !isAlive(node.init)) {
    return { exitCode: 255, stdout: '', stderr: `lab node ${node.name} is not running\n` };
  }
  return run('nsenter', ['-t', String(node.init.pid), '-n', '-m', '-u', '--', '/bin/sh', '-c', command]);
}

export function labFromState(state: LabState): Lab {
  if (state.subnet === undefined || state.nodes.some((n) => !n.init)) {
    throw new Error(`lab ${state.id} never finished starting`);
  }
  const nodes: LabNode[] = state.nodes.map((n) => ({
    name: n.name,
    address: n.address,
    reachableFromHost: n.role !== 'private',
    ...(n.privateAddress ? { privateAddress: n.privateAddress } : {}),
    port: 22,
    root: n.root,
    pid: n.init?.pid ?? 0,
  }));
  const find = (node: LabNode | string): NodeState => {
    const name = typeof node === 'string' ? node : node.name;
    const found = state.nodes.find((n) => n.name === name);
    if (!found) throw new Error(`lab ${state.id} has no node ${JSON.stringify(name)}`);
    return found;
  };
  return {
    id: state.id,
    dir: state.dir,
    hostAddress: hostAddressOf(state.subnet),
    nodes,
    inventoryFile: join(state.dir, 'inventory.yaml'),
    knownHostsFile: join(state.dir, 'known_hosts'),
    rootKeyFile: state.rootKeyFile,
    user: { name: state.user.name, keyFile: state.user.keyFile, password: state.user.password },
    nopasswdUser: { name: state.nopasswdUser.name, keyFile: state.nopasswdUser.keyFile },
    hostPath: (node, path) => hostPathIn(find(node).root, path),
    exec: (node, command) => execInNode(find(node), command),
    stop: async () => {
      untrackOwnedLab(state);
      teardownLab(state);
    },
  };
}

/** A running lab recorded in `dir`, or undefined when there is none. */
export function openLab(dir: string): Lab | undefined {
  const state = readState(dir);
  return state && state.status === 'running' ? labFromState(state) : undefined;
}
