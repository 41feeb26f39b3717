/**
 * How to reach a host, read from its inventory variables with Ansible's names and
 * defaults. Pure apart from reading who and where the current user is (the defaults for
 * the login user and known_hosts). The loader has already checked the types.
 */
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../errors.ts';
import { ansibleBoolean } from '../template/boolean.ts';
import type { InventoryHost } from './types.ts';

export type HostKeyChecking = 'strict' | 'accept-new' | 'off';

/** Who logs in and with what: the same four fields from the inventory to each ssh hop. */
export interface SshLogin {
  user: string;
  privateKeyFile?: string;
  passphrase?: string;
  password?: string;
}

export interface ConnectionSettings extends SshLogin {
  /** ansible_host, else the inventory host name. */
  address: string;
  port: number;
  connection: 'ssh' | 'local';
  become: { enabled: boolean; user: string; password?: string };
  hostKeyChecking: HostKeyChecking;
  knownHostsFile: string;
  connectTimeoutMs: number;
}

export const DEFAULT_SSH_PORT = 22;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export function connectionSettings(host: InventoryHost): ConnectionSettings {
  const v = host.vars;
  const wrong = (name: string, expected: string): never => {
    throw new ValidationError([{ ...host.position, message: `${host.name}: ${name}: must be ${expected}, got ${JSON.stringify(v[name])}` }]);
  };
  const str = (...names: string[]): string | undefined => {
    for (const name of names) {
      if (v[name] === undefined || v[name] === null) continue;
      return typeof v[name] === 'string' ? (v[name] as string) : wrong(name, 'a string');
    }
    return undefined;
  };
  const int = (...names: string[]): number | undefined => {
    for (const name of names) {
      if (v[name] === undefined || v[name] === null) continue;
      return Number.isInteger(v[name]) ? (v[name] as number) : wrong(name, 'an integer');
    }
    return undefined;
  };
  const bool = (name: string): boolean | undefined => {
    const value = v[name];
    if (value === undefined || value === null) return undefined;
    return ansibleBoolean(value) ?? wrong(name, 'a boolean');
  };

  const connection = str('ansible_connection') ?? 'ssh';
  if (connection !== 'ssh' && connection !== 'local') wrong('ansible_connection', '"ssh" or "local"');

  const privateKeyFile = str('ansible_ssh_private_key_file');
  const passphrase = str('ansible_ssh_private_key_passphrase');
  const password = str('ansible_password', 'ansible_ssh_pass');
  const becomePassword = str('ansible_become_password', 'ansible_become_pass');
  const timeoutSeconds = int('ansible_ssh_timeout');
  return {
    address: str('ansible_host', 'ansible_ssh_host') ?? host.name,
    port: int('ansible_port', 'ansible_ssh_port') ?? DEFAULT_SSH_PORT,
    user: str('ansible_user', 'ansible_ssh_user') ?? userInfo().username,
    ...(privateKeyFile !== undefined ? { privateKeyFile: expandHome(privateKeyFile) } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(password !== undefined ? { password } : {}),
    connection: connection as 'ssh' | 'local',
    become: {
      enabled: bool('ansible_become') ?? false,
      user: str('ansible_become_user') ?? 'root',
      ...(becomePassword !== undefined ? { password: becomePassword } : {}),
    },
    hostKeyChecking: hostKeyChecking(str('provision_host_key_checking'), bool('ansible_host_key_checking'), wrong),
    knownHostsFile: expandHome(str('provision_known_hosts') ?? '~/.ssh/known_hosts'),
    connectTimeoutMs: timeoutSeconds !== undefined ? timeoutSeconds * 1000 : DEFAULT_CONNECT_TIMEOUT_MS,
  };
}

/** provision's own three-way setting wins; Ansible's boolean maps true → strict, false → off. */
function hostKeyChecking(
  own: string | undefined,
  ansible: boolean | undefined,
  wrong: (name: string, expected: string) => never,
): HostKeyChecking {
  if (own !== undefined) {
    if (own === 'strict' || own === 'accept-new' || own === 'off') return own;
    return wrong('provision_host_key_checking', '"strict", "accept-new" or "off"');
  }
  if (ansible !== undefined) return ansible ? 'strict' : 'off';
  return 'strict';
}

/** `~` and `~/…` as a shell would expand them; other paths are kept as written. */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}
