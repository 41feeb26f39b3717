/**
 * Take the node lock (node-lock.ts) on every host a run will change, before any task runs:
 * either every reachable SSH host is locked, or the run stops with exit 5 having changed
 * nothing and naming each holder. Hosts that cannot be reached are left to the run, which
 * reports them as unreachable as before; local hosts (ansible_connection: local) are the
 * controller itself and are covered by the controller's lock (lock.ts).
 */
import { userInfo } from 'node:os';
import type { BecomeSpec, HeldCommand } from '../connection/types.ts';
import { LockError } from '../errors.ts';
import type { Inventory, InventoryHost } from '../inventory/types.ts';
import type { ConnectionPool } from './connection-pool.ts';
import { mapWithForks } from './forks.ts';
import { heldMessage, holderDescription, refusedError, takeNodeLock } from './node-lock.ts';

export interface NodeLocks {
  /** Hosts whose lock this run holds. */
  hosts: string[];
  release(): void;
}

export interface LockNodesOptions {
  pool: ConnectionPool;
  inventory: Inventory;
  hosts: string[];
  forks: number;
  waitMs?: number;
  /** The -K password, when the inventory has none. */
  becomePassword?: string;
  warn(message: string): void;
}

export async function lockNodes(o: LockNodesOptions): Promise<NodeLocks> {
  const holder = holderDescription();
  const taken: Array<{ host: string; held: HeldCommand }> = [];
  const held: Array<{ host: string; holder: string }> = [];
  const refused: Array<{ host: string; reason: string }> = [];
  await mapWithForks(o.hosts, Math.max(o.forks, 1), async (name) => {
    const host = o.inventory.host(name);
    if (!host || host.vars.ansible_connection === 'local') return;
    let connection;
    try {
      connection = await o.pool.get(name);
    } catch {
      return; // unreachable: the run reports it on the host's first task
    }
    if (!connection.hold) return;
    const become = lockBecome(host, o.becomePassword);
    const answer = await takeNodeLock(connection, { holder, ...(o.waitMs !== undefined ? { waitMs: o.waitMs } : {}), ...(become ? { become } : {}) }).catch(
      (err: unknown) => ({ kind: 'unavailable', reason: (err as Error).message }) as const,
    );
    if (answer.kind === 'taken') taken.push({ host: name, held: answer.held });
    else if (answer.kind === 'held') held.push({ host: name, holder: answer.holder });
    else if (answer.kind === 'refused') refused.push({ host: name, reason: answer.reason });
    else o.warn(`${name}: running without the node lock: ${answer.reason}`);
  });
  const release = () => {
    for (const t of taken.splice(0)) t.held.release();
  };
  if (held.length > 0 || refused.length > 0) {
    release();
    if (refused.length > 0) throw refusedError(refused);
    throw new LockError(heldMessage(held));
  }
  return { hosts: taken.map((t) => t.host).sort(), release };
}

/** The lock lives in a root-only directory: a login user other than root goes through sudo. */
function lockBecome(host: InventoryHost, askedPassword: string | undefined): BecomeSpec | undefined {
  const user = host.vars.ansible_user ?? host.vars.ansible_ssh_user ?? userInfo().username;
  if (user === 'root') return undefined;
  const password = [host.vars.ansible_become_password, host.vars.ansible_become_pass, askedPassword].find(
    (p): p is string => typeof p === 'string' && p !== '' && !p.includes('{{'),
  );
  return password !== undefined ? { user: 'root', password } : { user: 'root' };
}
