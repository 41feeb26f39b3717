/**
 * The settings of the control machine that Ansible users keep outside the inventory:
 * ANSIBLE_* environment variables over ansible.cfg (lib/ansible/config/base.yml names the
 * keys, sections and variables used here), each with where it came from. Only settings
 * that mean the same in provision are read.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ValidationError } from '../errors.ts';
import { findAnsibleCfg, whereInCfg, type AnsibleCfg } from './ansible-cfg.ts';

export interface Setting<T> {
  value: T;
  /** `ANSIBLE_FORKS`, `/path/ansible.cfg:12`, `--forks`, `~/.ssh/config`, … */
  source: string;
}

export interface ControlSettings {
  /** The ansible.cfg in use, if any, and where it was looked for. */
  ansibleCfg?: string;
  searched: string[];
  warnings: string[];
  inventory?: Setting<string[]>;
  forks?: Setting<number>;
  remoteUser?: Setting<string>;
  privateKeyFile?: Setting<string>;
  hostKeyChecking?: Setting<boolean>;
  timeout?: Setting<number>;
  become?: Setting<boolean>;
  becomeUser?: Setting<string>;
  sshArgs?: Setting<string>;
  /** The SSH config file read when no -F is given. */
  sshConfigFile?: Setting<string>;
}

type Kind = 'string' | 'int' | 'bool' | 'path' | 'pathlist';

interface Spec {
  key: keyof ControlSettings;
  kind: Kind;
  env: string[];
  ini: [section: string, key: string][];
}

/** Names as in Ansible's base.yml and the ssh connection plugin's documentation. */
export const SETTING_SPECS: Spec[] = [
  { key: 'inventory', kind: 'pathlist', env: ['ANSIBLE_INVENTORY'], ini: [['defaults', 'inventory']] },
  { key: 'forks', kind: 'int', env: ['ANSIBLE_FORKS'], ini: [['defaults', 'forks']] },
  { key: 'remoteUser', kind: 'string', env: ['ANSIBLE_REMOTE_USER'], ini: [['defaults', 'remote_user']] },
  { key: 'privateKeyFile', kind: 'path', env: ['ANSIBLE_PRIVATE_KEY_FILE'], ini: [['defaults', 'private_key_file']] },
  {
    key: 'hostKeyChecking',
    kind: 'bool',
    env: ['ANSIBLE_HOST_KEY_CHECKING', 'ANSIBLE_SSH_HOST_KEY_CHECKING'],
    ini: [['defaults', 'host_key_checking'], ['ssh_connection', 'host_key_checking']],
  },
  { key: 'timeout', kind: 'int', env: ['ANSIBLE_TIMEOUT'], ini: [['defaults', 'timeout']] },
  // become and become_user live in [privilege_escalation] in Ansible, not in [defaults].
  { key: 'become', kind: 'bool', env: ['ANSIBLE_BECOME'], ini: [['privilege_escalation', 'become']] },
  { key: 'becomeUser', kind: 'string', env: ['ANSIBLE_BECOME_USER'], ini: [['privilege_escalation', 'become_user']] },
  { key: 'sshArgs', kind: 'string', env: ['ANSIBLE_SSH_ARGS'], ini: [['ssh_connection', 'ssh_args']] },
];

const TRUE = ['y', 'yes', 'on', '1', 'true', 't'];
const FALSE = ['n', 'no', 'off', '0', 'false', 'f'];

export function loadControlSettings(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), home: string = homedir()): ControlSettings {
  const found = findAnsibleCfg(env, cwd, home);
  const settings: ControlSettings = { searched: found.searched, warnings: [...found.warnings] };
  if (found.cfg) settings.ansibleCfg = found.cfg.file;
  const problems: string[] = [];
  for (const spec of SETTING_SPECS) {
    const raw = fromEnv(spec, env) ?? (found.cfg ? fromCfg(spec, found.cfg) : undefined);
    if (!raw) continue;
    const base = raw.fromFile ? dirname(found.cfg!.file) : cwd;
    const value = convert(spec.kind, raw.value, base, home);
    if (value === undefined) problems.push(`${raw.source}: ${spec.ini[0][1]} must be ${describeKind(spec.kind)}, got ${JSON.stringify(raw.value)}`);
    else (settings as unknown as Record<string, Setting<unknown>>)[spec.key] = { value, source: raw.source };
  }
  if (problems.length) throw new ValidationError(problems.map((message) => ({ message })));
  const userSshConfig = join(home, '.ssh', 'config');
  if (existsSync(userSshConfig)) settings.sshConfigFile = { value: userSshConfig, source: 'default (~/.ssh/config)' };
  return settings;
}

/** No ansible.cfg, no environment: what in-process runs and tests get unless they ask. */
export function emptyControlSettings(): ControlSettings {
  return { searched: [], warnings: [] };
}

function fromEnv(spec: Spec, env: NodeJS.ProcessEnv): { value: string; source: string; fromFile: false } | undefined {
  for (const name of spec.env) {
    const value = env[name];
    if (value !== undefined && value !== '') return { value, source: name, fromFile: false };
  }
  return undefined;
}

function fromCfg(spec: Spec, cfg: AnsibleCfg): { value: string; source: string; fromFile: true } | undefined {
  for (const [section, key] of spec.ini) {
    const value = cfg.sections[section]?.[key];
    if (value !== undefined && value !== '') return { value, source: whereInCfg(cfg, section, key), fromFile: true };
  }
  return undefined;
}

/** Relative paths in ansible.cfg are relative to the file's directory, as Ansible resolves them. */
function convert(kind: Kind, value: string, base: string, home: string): unknown {
  const path = (p: string) => {
    const expanded = p.replace(/^~(?=\/|$)/, home);
    return isAbsolute(expanded) ? expanded : resolve(base, expanded);
  };
  switch (kind) {
    case 'string':
      return value;
    case 'int':
      return /^\d+$/.test(value.trim()) && Number(value) > 0 ? Number(value) : undefined;
    case 'bool': {
      const v = value.trim().toLowerCase();
      return TRUE.includes(v) ? true : FALSE.includes(v) ? false : undefined;
    }
    case 'path':
      return path(value.trim());
    case 'pathlist':
      return value.split(',').map((p) => p.trim()).filter(Boolean).map(path);
  }
}

function describeKind(kind: Kind): string {
  return kind === 'int' ? 'a positive integer' : kind === 'bool' ? 'a boolean (yes/no, true/false, on/off, 1/0)' : 'a string';
}
