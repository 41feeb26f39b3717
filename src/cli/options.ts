/**
 * Flags shared by every command, spelled as Ansible users expect. Parsing is strict:
 * an unknown flag is a UsageError (exit 4) before anything is read or contacted.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';
import { loadControlSettings, type ControlSettings } from '../config/control-settings.ts';
import { defaultInventory } from './default-inventory.ts';
import { isSecretVarName } from '../inventory/secrets.ts';
import { parseExtraVars } from './extra-vars.ts';

export { parseExtraVars };

export const commonOptions = {
  inventory: { type: 'string', short: 'i' },
  limit: { type: 'string', short: 'l' },
  check: { type: 'boolean', short: 'C' },
  diff: { type: 'boolean', short: 'D' },
  tags: { type: 'string', short: 't', multiple: true },
  'skip-tags': { type: 'string', multiple: true },
  forks: { type: 'string', short: 'f' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  'extra-vars': { type: 'string', short: 'e', multiple: true },
  'host-key-checking': { type: 'string' },
  'known-hosts': { type: 'string' },
  'ask-become-pass': { type: 'boolean', short: 'K' },
  'become-password-file': { type: 'string' },
  'lock-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export interface CommonFlags {
  inventory?: string;
  limit?: string;
  check: boolean;
  diff: boolean;
  tags?: string[];
  skipTags?: string[];
  forks: number;
  json: boolean;
  verbose: number;
  extraVars: Record<string, unknown>;
  hostKeyChecking?: 'strict' | 'accept-new' | 'off';
  knownHosts?: string;
  /** -K: ask for the sudo password once, before the run. */
  askBecomePass?: boolean;
  /** Read the sudo password from this file's first line. */
  becomePasswordFile?: string;
  /** --lock-timeout: wait this long for a lock another run holds, instead of exiting 5. */
  lockWaitMs?: number;
  help: boolean;
  /**
   * ansible.cfg and ANSIBLE_* settings (and the SSH config file) in force. The CLI always
   * loads them; a run without them (in-process tests) reads neither file nor environment.
   */
  settings?: ControlSettings;
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommand<E extends OptionSpec> {
  flags: CommonFlags;
  extra: { [K in keyof E]?: E[K] extends { type: 'boolean' } ? boolean : string | string[] };
  positionals: string[];
}

export function parseCommand<E extends OptionSpec>(argv: string[], extraOptions: E = {} as E): ParsedCommand<E> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...commonOptions, ...extraOptions }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const v = parsed.values as Record<string, unknown>;
  const settings = loadControlSettings();
  for (const warning of settings.warnings) process.stderr.write(`warning: ${warning}\n`);
  const cliForks = parseForks(v.forks as string | undefined);
  if (cliForks !== undefined) settings.forks = { value: cliForks, source: '--forks' };
  const flags: CommonFlags = {
    ...(typeof v.inventory === 'string' ? { inventory: v.inventory } : {}),
    ...(typeof v.limit === 'string' ? { limit: v.limit } : {}),
    check: v.check === true,
    diff: v.diff === true,
    ...(v.tags ? { tags: splitList(v.tags as string[]) } : {}),
    ...(v['skip-tags'] ? { skipTags: splitList(v['skip-tags'] as string[]) } : {}),
    forks: settings.forks?.value ?? 5, // Ansible's default
    json: v.json === true,
    verbose: Array.isArray(v.verbose) ? v.verbose.length : 0,
    extraVars: parseExtraVars(warnOnInlineSecrets((v['extra-vars'] as string[] | undefined) ?? [])),
    ...(v['host-key-checking'] !== undefined ? { hostKeyChecking: parseHostKeyChecking(String(v['host-key-checking'])) } : {}),
    ...(typeof v['known-hosts'] === 'string' ? { knownHosts: v['known-hosts'] } : {}),
    ...(v['ask-become-pass'] === true ? { askBecomePass: true } : {}),
    ...(typeof v['become-password-file'] === 'string' ? { becomePasswordFile: v['become-password-file'] } : {}),
    ...(v['lock-timeout'] !== undefined ? { lockWaitMs: parseLockTimeout(String(v['lock-timeout'])) } : {}),
    help: v.help === true,
    settings,
  };
  const extra = Object.fromEntries(Object.keys(extraOptions).map((k) => [k, v[k]])) as ParsedCommand<E>['extra'];
  return { flags, extra, positionals: parsed.positionals };
}

/** -i, else the default inventory (see default-inventory.ts); a UsageError naming every place looked at. */
export function requireInventory(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  if (flags.inventory) return flags.inventory;
  const choice = defaultInventory(flags.settings, env, cwd);
  for (const missing of choice.skipped) process.stderr.write(`warning: inventory ${missing} does not exist; using ${choice.file} (${choice.source})\n`);
  return choice.file;
}

function splitList(values: string[]): string[] {
  return values.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

function parseForks(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--forks must be a positive integer, got "${value}"`);
  return n;
}

/** `30`, `30s`, `5m` (terraform's -lock-timeout spelling, seconds when bare). */
function parseLockTimeout(value: string): number {
  const m = /^(\d+)(s|m)?$/.exec(value.trim());
  if (!m) throw new UsageError(`--lock-timeout must be a duration like 30s or 5m, got "${value}"`);
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000);
}

function parseHostKeyChecking(value: string): 'strict' | 'accept-new' | 'off' {
  if (value === 'strict' || value === 'accept-new' || value === 'off') return value;
  throw new UsageError(`--host-key-checking must be strict, accept-new or off, got "${value}"`);
}

/** A secret given inline with -e is in argv, where `ps` shows it to every local user. */
function warnOnInlineSecrets(items: string[]): string[] {
  for (const item of items) {
    if (item.startsWith('@')) continue;
    const names = Object.keys(parseExtraVars([item]));
    const secret = names.find(isSecretVarName);
    if (secret) {
      process.stderr.write(`[WARNING]: -e ${secret}=… puts a secret on the command line, visible to other local users in ps; use -K, --become-password-file or -e @file\n`);
    }
  }
  return items;
}
