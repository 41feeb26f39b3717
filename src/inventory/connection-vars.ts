/**
 * How to reach a host, read from its inventory variables with Ansible's names and
 * defaults. Pure apart from reading who and where the current user is (the defaults for
 * the login user and known_hosts). As Ansible, a value is templated and converted where
 * it is used (lib/ansible/plugins/connection/ssh.py takes `port` as an int option, `user`
 * as a string; lib/ansible/playbook/play_context.py templates the connection variables):
 * `ansible_port: "22"` or `"{{ base_port + 1 }}"` is a port, `ansible_user: 1000` the user
 * "1000", `ansible_become: "True"` true. A value that can never work is refused here,
 * naming the host and where it is defined.
 */
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../errors.ts';
import { buildScope } from '../engine/scope.ts';
import { shortHostname } from './magic-vars.ts';
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

/** The host's variables with templates rendered ("{{ base_port + 1 }}"), as Ansible sees them at connection time. */
export function connectionVars(host: InventoryHost): Record<string, unknown> {
  return buildScope([host.vars], { inventory_hostname: host.name, inventory_hostname_short: shortHostname(host.name) });
}

/** Connection plugins Ansible has that provision does not (a clearer refusal than "must be ssh"). */
const OTHER_ANSIBLE_CONNECTIONS = new Set(['paramiko_ssh', 'paramiko', 'winrm', 'psrp', 'docker', 'podman', 'kubectl', 'chroot', 'lxc', 'lxd', 'network_cli', 'netconf', 'httpapi', 'buildah', 'jail', 'zone', 'community.docker.docker']);

export function connectionSettings(host: InventoryHost): ConnectionSettings {
  const v = connectionVars(host);
  const read = (name: string): unknown => {
    try {
      return v[name];
    } catch (err) {
      throw new ValidationError([{ ...host.position, message: `${host.name}: ${name}: ${(err as Error).message}` }]);
    }
  };
  const wrong = (name: string, expected: string): never => {
    throw new ValidationError([{ ...host.position, message: `${host.name}: ${name}: must be ${expected}, got ${JSON.stringify(read(name))}` }]);
  };
  const str = (...names: string[]): string | undefined => {
    for (const name of names) {
      const value = read(name);
      if (value === undefined || value === null) continue;
      if (typeof value === 'number') return String(value);
      return typeof value === 'string' ? value : wrong(name, 'a string');
    }
    return undefined;
  };
  const int = (min: number, max: number, ...names: string[]): number | undefined => {
    for (const name of names) {
      const value = read(name);
      if (value === undefined || value === null) continue;
      // Python's int(): an integer, or a string of one (surrounding blanks allowed).
      const n = typeof value === 'string' && /^\s*[-+]?[0-9]+\s*$/.test(value) ? Number(value) : value;
      return Number.isInteger(n) && (n as number) >= min && (n as number) <= max ? (n as number) : wrong(name, `an integer from ${min} to ${max}`);
    }
    return undefined;
  };
  const bool = (name: string): boolean | undefined => {
    const value = read(name);
    if (value === undefined || value === null) return undefined;
    return ansibleBoolean(value) ?? wrong(name, 'a boolean');
  };

  const connection = str('ansible_connection') ?? 'ssh';
  if (OTHER_ANSIBLE_CONNECTIONS.has(connection)) {
    throw new ValidationError([{ ...host.position, message: `${host.name}: ansible_connection: ${connection} is not supported by this tool (ssh or local)` }]);
  }
  if (connection !== 'ssh' && connection !== 'local') wrong('ansible_connection', '"ssh" or "local"');

  const privateKeyFile = str('ansible_ssh_private_key_file');
  const passphrase = str('ansible_ssh_private_key_passphrase');
  const password = str('ansible_password', 'ansible_ssh_pass');
  const becomePassword = str('ansible_become_password', 'ansible_become_pass');
  const timeoutSeconds = int(1, Number.MAX_SAFE_INTEGER, 'ansible_ssh_timeout');
  return {
    address: str('ansible_host', 'ansible_ssh_host') ?? host.name,
    port: int(1, 65535, 'ansible_port', 'ansible_ssh_port') ?? DEFAULT_SSH_PORT,
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
