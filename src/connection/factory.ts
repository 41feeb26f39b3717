/**
 * Inventory host → Connection. The inventory's connection variables are read by
 * src/inventory/connection-vars.ts, the SSH options and route below them by ssh-plan.ts;
 * this adds what only the control machine knows (command-line overrides, the ssh-agent
 * socket, the SSH config file in use) and picks the implementation.
 */
import type { Inventory, InventoryHost } from '../inventory/types.ts';
import { connectionSettings } from '../inventory/connection-vars.ts';
import { LocalConnection } from './local.ts';
import { SshConnection, type HostKeyChecking, type SshConnectionOptions } from './ssh.ts';
import { planSsh } from './ssh-plan.ts';
import type { ConfigCache } from './ssh-options.ts';
import type { Connection } from './types.ts';

/** Command-line flags and control-machine settings; the flags override the inventory. */
export interface ConnectionOverrides {
  hostKeyChecking?: HostKeyChecking;
  knownHostsFile?: string;
  /** SSH config file read when no `-F` says otherwise; none when unset. */
  sshConfigFile?: string;
  /** ansible.cfg's ssh_args (or ANSIBLE_SSH_ARGS), with where it was set. */
  sshArgs?: { text: string; source: string };
}

export type ConnectionPlan = { kind: 'local' } | ({ kind: 'ssh' } & SshConnectionOptions);

export function createConnection(host: InventoryHost, options: ConnectionOverrides = {}): Connection {
  return connectionFromPlan(host, planConnection(host, options));
}

export function connectionFromPlan(host: InventoryHost, plan: ConnectionPlan): Connection {
  if (plan.kind === 'local') return new LocalConnection(host.name);
  const { kind: _kind, ...ssh } = plan;
  return new SshConnection(host.name, ssh);
}

/** The pure decision, separate so it can be tested without opening anything. */
export function planConnection(
  host: InventoryHost,
  options: ConnectionOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
  cache: ConfigCache = new Map(),
): ConnectionPlan {
  return planWithWarnings(host, options, env, cache).plan;
}

function planWithWarnings(
  host: InventoryHost,
  options: ConnectionOverrides,
  env: NodeJS.ProcessEnv,
  cache: ConfigCache,
): { plan: ConnectionPlan; warnings: string[] } {
  if (connectionSettings(host).connection === 'local') return { plan: { kind: 'local' }, warnings: [] };
  const { target, route, warnings } = planSsh(host, options, env, cache);
  const { name: _name, ...ssh } = target;
  return { plan: { kind: 'ssh', ...ssh, ...route }, warnings };
}

/**
 * Every host's plan before the run starts, so a broken SSH config stops the run before any
 * host is touched, and each option provision does not honour is reported once.
 */
export function planConnections(
  inventory: Inventory,
  options: ConnectionOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): { plans: Map<string, ConnectionPlan>; warnings: string[] } {
  const cache: ConfigCache = new Map();
  const plans = new Map<string, ConnectionPlan>();
  const warnings = new Set<string>();
  for (const host of inventory.hosts) {
    const planned = planWithWarnings(host, options, env, cache);
    plans.set(host.name, planned.plan);
    for (const w of planned.warnings) warnings.add(w);
  }
  return { plans, warnings: [...warnings] };
}
