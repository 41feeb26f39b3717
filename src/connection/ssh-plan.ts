/**
 * How to reach one host over SSH, from every place a setting can come from, highest first:
 *   1. command-line flags (--host-key-checking, --known-hosts)
 *   2. the host's inventory variables (ansible.cfg and ANSIBLE_* defaults already merged
 *      below them, see src/config/control-defaults.ts)
 *   3. `-o` options in ansible_ssh_common_args, ansible_ssh_extra_args, ansible.cfg ssh_args
 *   4. the SSH config file (`-F` in those arguments, else ~/.ssh/config)
 *   5. built-in defaults
 * Jump hosts (ProxyJump) are planned the way `ssh -J` plans them: each hop is looked up in
 * the same config file on its own (the `-o` options of the target do not reach it), and
 * only the first hop's own ProxyJump/ProxyCommand is followed further.
 */
import { userInfo } from 'node:os';
import { ValidationError } from '../errors.ts';
import { connectionSettings, connectionVars, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_SSH_PORT, type HostKeyChecking, type SshLogin } from '../inventory/connection-vars.ts';
import type { InventoryHost } from '../inventory/types.ts';
import { mergeSshArgs, parseSshArgs, type SshArgs } from './ssh-args.ts';
import { expandTilde, expandTokens } from './ssh-config.ts';
import { hostSshOptions, type ConfigCache, type HostSshOptions } from './ssh-options.ts';
import { existsSync } from 'node:fs';

export interface SshEndpoint extends SshLogin {
  /** What it is called in messages: the inventory name, or the jump host as written. */
  name: string;
  address: string;
  port: number;
  agent?: string;
  connectTimeoutMs: number;
  hostKeyChecking: HostKeyChecking;
  knownHostsFile: string;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

export interface SshRoute {
  /** Jump hosts, the first one connected to first. */
  jumps?: SshEndpoint[];
  /** Run through /bin/sh; its stdin/stdout is the connection to the first endpoint. */
  proxyCommand?: string;
}

export interface PlanInputs {
  hostKeyChecking?: HostKeyChecking;
  knownHostsFile?: string;
  /** The config file when no -F says otherwise (~/.ssh/config for the CLI; none when unset). */
  sshConfigFile?: string;
  /** ansible.cfg's [ssh_connection] ssh_args (or ANSIBLE_SSH_ARGS). */
  sshArgs?: { text: string; source: string };
}

export interface PlannedSsh {
  target: SshEndpoint;
  route: SshRoute;
  warnings: string[];
}

const MAX_JUMP_DEPTH = 8;

export function planSsh(host: InventoryHost, inputs: PlanInputs, env: NodeJS.ProcessEnv, cache: ConfigCache = new Map()): PlannedSsh {
  const s = connectionSettings(host);
  const v = connectionVars(host);
  const args = hostArgs(host, inputs);
  const explicitUser = firstString(v, 'ansible_user', 'ansible_ssh_user');
  const lookupName = firstString(v, 'ansible_host', 'ansible_ssh_host') ?? host.name;
  const configFile = args.configFile ? args.configFile.path : inputs.sshConfigFile;
  if (args.configFile && !existsSync(expandTilde(args.configFile.path))) {
    throw invalid(host, `${args.configFile.source}: -F ${args.configFile.path}: no such file`);
  }
  const opts = hostSshOptions(lookupName, explicitUser, args, configFile, cache);
  const warnings = opts.unhonoured.map((u) => `SSH option ${u.keyword} (${u.where}) is not used by provision`);
  const hostKeyChecking = inputs.hostKeyChecking ?? (isSet(v, 'provision_host_key_checking', 'ansible_host_key_checking') ? s.hostKeyChecking : undefined);
  const knownHostsFile = inputs.knownHostsFile ?? (isSet(v, 'provision_known_hosts') ? s.knownHostsFile : undefined);
  const fixed: Fixed = {
    ...(explicitUser !== undefined ? { user: explicitUser } : {}),
    ...(isSet(v, 'ansible_port', 'ansible_ssh_port') ? { port: s.port } : {}),
    ...(s.privateKeyFile !== undefined ? { privateKeyFile: s.privateKeyFile } : {}),
    ...(s.passphrase !== undefined ? { passphrase: s.passphrase } : {}),
    ...(s.password !== undefined ? { password: s.password } : {}),
    ...(isSet(v, 'ansible_ssh_timeout') ? { connectTimeoutMs: s.connectTimeoutMs } : {}),
    ...(hostKeyChecking !== undefined ? { hostKeyChecking } : {}),
    ...(knownHostsFile !== undefined ? { knownHostsFile } : {}),
  };
  const target = endpoint(host.name, lookupName, opts, fixed, env, warnings);
  const route = routeOf(host, lookupName, target, opts, inputs, configFile, env, cache, warnings, [lookupName]);
  return { target, route, warnings };
}

type Fixed = Partial<Omit<SshEndpoint, 'name' | 'address'>>;

/** One endpoint: fixed values (inventory, command line, hop spec) first, then the options obtained. */
function endpoint(
  name: string,
  lookupName: string,
  opts: HostSshOptions,
  fixed: Fixed,
  env: NodeJS.ProcessEnv,
  warnings: string[],
  inherit?: SshEndpoint,
): SshEndpoint {
  const word = (k: string) => opts.get(k)?.words[0];
  const port = fixed.port ?? integer(word('port'), opts, 'port') ?? DEFAULT_SSH_PORT;
  const user = fixed.user ?? word('user') ?? userInfo().username;
  const address = word('hostname') !== undefined ? expandTokens(word('hostname')!, { host: lookupName, port, user, original: lookupName }) : lookupName;
  const tokens = { host: address, port, user, original: lookupName };
  const identities = [...new Set((opts.get('identityfile')?.words ?? []).map((f) => expandTilde(expandTokens(f, tokens))))];
  // ssh tries each IdentityFile in turn and skips missing ones; provision uses the first present.
  const privateKeyFile = fixed.privateKeyFile ?? identities.find((f) => existsSync(f)) ?? identities[0];
  const present = identities.filter((f) => existsSync(f));
  if (fixed.privateKeyFile === undefined && present.length > 1) {
    warnings.push(`IdentityFile (${opts.get('identityfile')!.where}): provision authenticates with the first that exists, ${privateKeyFile}; not tried: ${present.slice(1).join(', ')}`);
  }
  const identitiesOnly = yesNo(word('identitiesonly'));
  const timeoutSeconds = integer(word('connecttimeout'), opts, 'connecttimeout');
  const alive = integer(word('serveraliveinterval'), opts, 'serveraliveinterval');
  const aliveMax = integer(word('serveralivecountmax'), opts, 'serveralivecountmax');
  const knownHostsFiles = opts.get('userknownhostsfile')?.words ?? [];
  const knownHosts = knownHostsFiles[0];
  if (fixed.knownHostsFile === undefined && knownHostsFiles.length > 1) {
    warnings.push(`UserKnownHostsFile (${opts.get('userknownhostsfile')!.where}): provision checks host keys against the first file only; not read: ${knownHostsFiles.slice(1).join(', ')}`);
  }
  return {
    name,
    address,
    port,
    user,
    ...(privateKeyFile !== undefined ? { privateKeyFile } : {}),
    ...(fixed.passphrase !== undefined ? { passphrase: fixed.passphrase } : {}),
    ...(fixed.password !== undefined ? { password: fixed.password } : {}),
    // Without a key file, keys come from the agent, as with ssh — unless IdentitiesOnly says no.
    ...(privateKeyFile === undefined && identitiesOnly !== true && env.SSH_AUTH_SOCK ? { agent: env.SSH_AUTH_SOCK } : {}),
    connectTimeoutMs: fixed.connectTimeoutMs ?? (timeoutSeconds !== undefined ? timeoutSeconds * 1000 : DEFAULT_CONNECT_TIMEOUT_MS),
    hostKeyChecking: fixed.hostKeyChecking ?? strictness(word('stricthostkeychecking'), opts) ?? 'strict',
    knownHostsFile:
      fixed.knownHostsFile ??
      (knownHosts !== undefined ? expandTilde(expandTokens(knownHosts, tokens)) : undefined) ??
      inherit?.knownHostsFile ??
      expandTilde('~/.ssh/known_hosts'),
    ...(alive !== undefined && alive > 0 ? { keepaliveIntervalMs: alive * 1000 } : {}),
    ...(alive !== undefined && alive > 0 && aliveMax !== undefined ? { keepaliveCountMax: aliveMax } : {}),
  };
}

/** ProxyJump or ProxyCommand, whichever was obtained first ("none" switches either off). */
function routeOf(
  host: InventoryHost,
  lookupName: string,
  target: SshEndpoint,
  opts: HostSshOptions,
  inputs: PlanInputs,
  configFile: string | undefined,
  env: NodeJS.ProcessEnv,
  cache: ConfigCache,
  warnings: string[],
  seen: string[],
): SshRoute {
  const jump = opts.get('proxyjump');
  const command = opts.get('proxycommand');
  const useJump = jump !== undefined && (command === undefined || jump.order < command.order);
  if (useJump && jump.words[0] !== 'none') {
    const specs = jump.words.join('').split(',').filter(Boolean).map((spec) => parseJump(spec, host, jump.where));
    if (seen.length > MAX_JUMP_DEPTH) throw invalid(host, `ProxyJump (${jump.where}) nests more than ${MAX_JUMP_DEPTH} jump hosts`);
    const hops: SshEndpoint[] = [];
    let firstRoute: SshRoute = {};
    specs.forEach((spec, i) => {
      if (seen.includes(spec.host)) throw invalid(host, `ProxyJump (${jump.where}) loops back to ${spec.host}`);
      const hopOpts = hostSshOptions(spec.host, spec.user, undefined, configFile, cache);
      for (const u of hopOpts.unhonoured) warnings.push(`SSH option ${u.keyword} (${u.where}) is not used by provision`);
      const hop = endpoint(spec.host, spec.host, hopOpts, {
        ...(spec.user !== undefined ? { user: spec.user } : {}),
        ...(spec.port !== undefined ? { port: spec.port } : {}),
        ...(inputs.hostKeyChecking ? { hostKeyChecking: inputs.hostKeyChecking } : {}),
        ...(inputs.knownHostsFile ? { knownHostsFile: inputs.knownHostsFile } : {}),
      }, env, warnings, target);
      // Like `ssh -J a,b`: only the first hop's own config may route it further.
      if (i === 0) firstRoute = routeOf(host, spec.host, hop, hopOpts, inputs, configFile, env, cache, warnings, [...seen, spec.host]);
      hops.push(hop);
    });
    return { ...(firstRoute.proxyCommand ? { proxyCommand: firstRoute.proxyCommand } : {}), jumps: [...(firstRoute.jumps ?? []), ...hops] };
  }
  if (!useJump && command !== undefined && command.words[0] !== 'none') {
    const tokens = { host: target.address, port: target.port, user: target.user, original: lookupName };
    return { proxyCommand: expandTokens(command.text, tokens) };
  }
  return {};
}

interface JumpSpec {
  host: string;
  user?: string;
  port?: number;
}

/** `[user@]host[:port]` or `ssh://[user@]host[:port]` (ssh_config(5) ProxyJump). */
export function parseJump(spec: string, host: InventoryHost, where: string): JumpSpec {
  const m = /^(?:ssh:\/\/)?(?:([^@]+)@)?(\[[^\]]+\]|[^:@/]+)(?::(\d+))?\/?$/.exec(spec.trim());
  if (!m) throw invalid(host, `ProxyJump (${where}): cannot read jump host ${JSON.stringify(spec)}`);
  const port = m[3] !== undefined ? Number(m[3]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) throw invalid(host, `ProxyJump (${where}): port ${port} out of range`);
  return { host: m[2].replace(/^\[|\]$/g, ''), ...(m[1] ? { user: m[1] } : {}), ...(port !== undefined ? { port } : {}) };
}

function hostArgs(host: InventoryHost, inputs: PlanInputs): SshArgs {
  const parts: SshArgs[] = [];
  const vars = connectionVars(host);
  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const value = vars[name];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') throw invalid(host, `${name}: must be a string`);
    parts.push(wrap(host, () => parseSshArgs(value, `${host.name}: ${name}`)));
  }
  if (inputs.sshArgs) parts.push(wrap(host, () => parseSshArgs(inputs.sshArgs!.text, inputs.sshArgs!.source)));
  return mergeSshArgs(parts);
}

function wrap<T>(host: InventoryHost, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw invalid(host, (err as Error).message);
  }
}

function strictness(value: string | undefined, opts: HostSshOptions): HostKeyChecking | undefined {
  if (value === undefined) return undefined;
  switch (value.toLowerCase()) {
    case 'yes':
    case 'ask': // nobody is there to ask: refuse an unknown key, as `yes` does
      return 'strict';
    case 'accept-new':
      return 'accept-new';
    case 'no':
    case 'off':
      return 'off';
  }
  throw new ValidationError([{ message: `StrictHostKeyChecking (${opts.get('stricthostkeychecking')?.where}): unknown value ${value}` }]);
}

function integer(value: string | undefined, opts: HostSshOptions, keyword: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new ValidationError([{ message: `${keyword} (${opts.get(keyword)?.where}): must be a number, got ${value}` }]);
  return Number(value);
}

function yesNo(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return value.toLowerCase() === 'yes';
}

function isSet(vars: Record<string, unknown>, ...names: string[]): boolean {
  return names.some((n) => vars[n] !== undefined && vars[n] !== null);
}

/** The first of `names` set to a string or a number (Ansible makes a string of `ansible_user: 1000`). */
function firstString(vars: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const n of names) {
    const value = vars[n];
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
  }
  return undefined;
}

function invalid(host: InventoryHost, message: string): ValidationError {
  return new ValidationError([{ ...host.position, message: `${host.name}: ${message}` }]);
}
