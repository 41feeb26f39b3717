/**
 * ansible.cfg, found as Ansible finds it (lib/ansible/config/manager.py,
 * find_ini_config_file): $ANSIBLE_CONFIG (a directory means its ansible.cfg), then
 * ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg — the first that exists and is
 * readable. Like Ansible, ./ansible.cfg is skipped with a warning when the current
 * directory is world-writable (anyone could have put it there); provision also skips one
 * that is itself world-writable, for the same reason. Parsed with the `ini` package
 * (`;` starts an inline comment, as Ansible's ConfigParser(inline_comment_prefixes=(';',))).
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'ini';

export const SYSTEM_ANSIBLE_CFG = '/etc/ansible/ansible.cfg';

export interface AnsibleCfg {
  file: string;
  /** section → key (lower case) → value. */
  sections: Record<string, Record<string, string>>;
  text: string;
}

export interface FoundCfg {
  cfg?: AnsibleCfg;
  /** Where it looked, in order (for `provision config` and messages). */
  searched: string[];
  warnings: string[];
}

export function findAnsibleCfg(env: NodeJS.ProcessEnv, cwd: string, home: string = homedir()): FoundCfg {
  const candidates: string[] = [];
  const warnings: string[] = [];
  const fromEnv = env.ANSIBLE_CONFIG;
  if (fromEnv !== undefined) {
    const path = resolve(cwd, fromEnv.replace(/^~(?=\/|$)/, home));
    candidates.push(isDirectory(path) ? join(path, 'ansible.cfg') : path);
  }
  const local = join(cwd, 'ansible.cfg');
  const localUnsafe = worldWritable(cwd) ? 'the current directory' : existsSync(local) && worldWritable(local) ? 'the file' : undefined;
  if (localUnsafe === undefined) candidates.push(local);
  candidates.push(join(home, '.ansible.cfg'), SYSTEM_ANSIBLE_CFG);
  const file = candidates.find((p) => existsSync(p) && readable(p) && !isDirectory(p));
  const usedEnv = fromEnv !== undefined && file !== undefined && file === candidates[0];
  if (localUnsafe !== undefined && existsSync(local) && !usedEnv) {
    warnings.push(`ignoring ${local}: ${localUnsafe} is world-writable, so anyone could have written it (as Ansible does)`);
  }
  return { ...(file !== undefined ? { cfg: readAnsibleCfg(file) } : {}), searched: candidates, warnings };
}

export function readAnsibleCfg(file: string): AnsibleCfg {
  const text = readFileSync(file, 'utf8');
  const parsed = parse(text) as Record<string, unknown>;
  const sections: Record<string, Record<string, string>> = {};
  for (const [name, body] of Object.entries(parsed)) {
    if (!body || typeof body !== 'object') continue;
    const keys: Record<string, string> = {};
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v !== 'object') keys[k.toLowerCase()] = String(v).trim();
    sections[name] = keys;
  }
  return { file, sections, text };
}

/** `file:line` of a key inside a section, for messages and `provision config`. */
export function whereInCfg(cfg: AnsibleCfg, section: string, key: string): string {
  let current = '';
  const lines = cfg.text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const header = /^\s*\[([^\]]+)\]/.exec(lines[i]);
    if (header) current = header[1].trim();
    else if (current === section && new RegExp(`^\\s*${key}\\s*[=:]`, 'i').test(lines[i])) return `${cfg.file}:${i + 1}`;
  }
  return cfg.file;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function worldWritable(path: string): boolean {
  try {
    return (statSync(path).mode & 0o002) !== 0;
  } catch {
    return false;
  }
}
