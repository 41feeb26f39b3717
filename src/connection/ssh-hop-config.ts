/**
 * The ssh2 connect configuration of one endpoint of a route (a jump host or the target):
 * its own host key policy and credentials, so every hop is checked and authenticated like
 * any other host. ssh2-promise connects the list in order, each through the one before it
 * (`hoppingTool: native`: a direct-tcpip channel of the previous hop, not `nc` run on it).
 */
import { readFile } from 'node:fs/promises';
import type { ConnectConfig } from 'ssh2';
import { DEFAULT_KEEPALIVE_INTERVAL_MS, KEEPALIVE_COUNT_MAX } from './limits.ts';
import type { SshLogin } from '../inventory/connection-vars.ts';
import { decideHostKey, preferredHostKeyAlgorithms, type HostKeyChecking } from './host-key-policy.ts';

/** How to log in to and check one SSH server: the same for a jump host and for the target. */
export interface EndpointOptions extends SshLogin {
  /** ssh-agent socket; used when no private key file is given. */
  agent?: string;
  /** TCP connect + handshake + auth must finish within this; default 10 s. */
  connectTimeoutMs?: number;
  hostKeyChecking?: HostKeyChecking;
  knownHostsFile: string;
  /** ServerAliveInterval / ServerAliveCountMax. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

export interface HopEndpoint extends EndpointOptions {
  /** For messages: the inventory name or the jump host as written. */
  name: string;
  address: string;
  port: number;
}

export type HopConfig = ConnectConfig & Record<string, unknown>;

/** Where a refusal is written by the host key verifier, to explain a failed connect. */
export interface Refusal {
  reason?: string;
  /** accept-new: records the keys seen, called only once every hop's handshake succeeded. */
  pin?: () => void;
}

export class HopKeyFileError extends Error {}

export async function hopConfig(e: HopEndpoint, refusal: Refusal, jumpHost: boolean): Promise<HopConfig> {
  const policy = { mode: e.hostKeyChecking ?? 'strict', knownHostsFile: e.knownHostsFile } as const;
  const config: HopConfig = {
    host: e.address,
    port: e.port,
    username: e.user,
    readyTimeout: e.connectTimeoutMs ?? 10_000,
    // One connection for the run; a dropped one is reported, not silently redone.
    reconnect: false,
    hoppingTool: 'native',
    uniqueId: `${e.user}@${e.address}:${e.port}`,
    hostVerifier: (key: Buffer): boolean => {
      const decision = decideHostKey(policy, e.address, e.port, key);
      if (!decision.accept) refusal.reason = jumpHost ? `jump host ${e.name}: ${decision.reason}` : decision.reason;
      else if (decision.pin) {
        const earlier = refusal.pin;
        const pin = decision.pin;
        refusal.pin = () => {
          earlier?.();
          pin();
        };
      }
      return decision.accept;
    },
  };
  // A node that stops answering mid-run (no FIN, no RST) must end as unreachable, not hang
  // the run while it holds the lock: keepalive is on unless the SSH config sets it.
  config.keepaliveInterval = e.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS;
  config.keepaliveCountMax = e.keepaliveCountMax ?? KEEPALIVE_COUNT_MAX;
  const preferred = preferredHostKeyAlgorithms(policy, e.address, e.port);
  if (preferred.length > 0) config.algorithms = { serverHostKey: { remove: preferred, prepend: preferred, append: [] } };
  if (e.privateKeyFile !== undefined) {
    try {
      config.privateKey = await readFile(e.privateKeyFile);
    } catch (err) {
      throw new HopKeyFileError(`${jumpHost ? `jump host ${e.name}: ` : ''}cannot read private key file ${e.privateKeyFile}: ${(err as Error).message}`);
    }
    if (e.passphrase !== undefined) config.passphrase = e.passphrase;
  } else if (e.agent) {
    config.agent = e.agent;
  }
  if (e.password !== undefined) config.password = e.password;
  return config;
}
