/**
 * Inventory host → Connection. The inventory's connection variables are read by
 * src/inventory/connection-vars.ts; this adds what only the control machine knows
 * (command-line overrides, the ssh-agent socket) and picks the implementation.
 */
import { connectionSettings } from '../inventory/connection-vars.ts';
import type { InventoryHost } from '../inventory/types.ts';
import { LocalConnection } from './local.ts';
import { SshConnection, type HostKeyChecking, type SshConnectionOptions } from './ssh.ts';
import type { Connection } from './types.ts';

/** Command-line flags; they override the inventory. */
export interface ConnectionOverrides {
  hostKeyChecking?: HostKeyChecking;
  knownHostsFile?: string;
}

export type ConnectionPlan = { kind: 'local' } | ({ kind: 'ssh' } & SshConnectionOptions);

export function createConnection(host: InventoryHost, options: ConnectionOverrides = {}): Connection {
  const plan = planConnection(host, options);
  if (plan.kind === 'local') return new LocalConnection(host.name);
  const { kind: _kind, ...ssh } = plan;
  return new SshConnection(host.name, ssh);
}

/** The pure decision, separate so it can be tested without opening anything. */
export function planConnection(
  host: InventoryHost,
  options: ConnectionOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): ConnectionPlan {
  const s = connectionSettings(host);
  if (s.connection === 'local') return { kind: 'local' };
  return {
    kind: 'ssh',
    address: s.address,
    port: s.port,
    user: s.user,
    ...(s.privateKeyFile !== undefined ? { privateKeyFile: s.privateKeyFile } : {}),
    ...(s.privateKeyFile !== undefined && s.passphrase !== undefined ? { passphrase: s.passphrase } : {}),
    // Without a key file, keys come from the agent, as with ssh.
    ...(s.privateKeyFile === undefined && env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {}),
    ...(s.password !== undefined ? { password: s.password } : {}),
    connectTimeoutMs: s.connectTimeoutMs,
    hostKeyChecking: options.hostKeyChecking ?? s.hostKeyChecking,
    knownHostsFile: options.knownHostsFile ?? s.knownHostsFile,
  };
}
