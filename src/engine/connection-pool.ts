/**
 * One connection per host for the whole run: opened on first use, reused by every task
 * and play, closed at the end. A host that cannot be reached is remembered as such.
 */
import { LocalConnection } from '../connection/local.ts';
import type { Connection } from '../connection/types.ts';
import { isImplicitLocalhost } from './implicit-localhost.ts';
import { UnreachableError } from '../errors.ts';
import type { Inventory, InventoryHost } from '../inventory/types.ts';

export type ConnectionFactory = (host: InventoryHost) => Connection;

export class ConnectionPool {
  private readonly open = new Map<string, Promise<Connection>>();

  constructor(
    private readonly inventory: Inventory,
    private readonly factory: ConnectionFactory,
  ) {}

  /** The host's connection; rejects with UnreachableError when it cannot be opened. */
  get(hostName: string): Promise<Connection> {
    let pending = this.open.get(hostName);
    if (!pending) {
      pending = this.connect(hostName);
      this.open.set(hostName, pending);
    }
    return pending;
  }

  private async connect(hostName: string): Promise<Connection> {
    const host = this.inventory.host(hostName);
    if (!host && !isImplicitLocalhost(hostName)) throw new UnreachableError(hostName, 'not in the inventory');
    // The implicit localhost has no planned connection: it is the control machine itself.
    const connection = host && !host.implicit ? this.factory(host) : new LocalConnection(hostName);
    try {
      await connection.connect();
    } catch (err) {
      if (err instanceof UnreachableError) throw err;
      throw new UnreachableError(hostName, (err as Error).message);
    }
    return connection;
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(
      all.map(async (p) => {
        try {
          await (await p).close();
        } catch {
          /* unreachable or already closed: nothing to release */
        }
      }),
    );
  }
}
