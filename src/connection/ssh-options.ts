/**
 * One host's SSH options from the two places below the inventory's own variables, in the
 * order ssh itself applies them: `-o` options given as arguments (ansible_ssh_common_args,
 * ansible_ssh_extra_args, then ansible.cfg's ssh_args) before the SSH config file. For each
 * keyword the first value obtained wins. Options provision does not act on are collected
 * for a warning, each with where it was written.
 */
import { expandTilde, readSshConfig, sshOptionsFor } from './ssh-config.ts';
import type { SshArgs } from './ssh-args.ts';

export interface ObtainedOption {
  words: string[];
  text: string;
  /** `file:line` or the argument's source. */
  where: string;
  /** Position among all options obtained, so ProxyJump and ProxyCommand can say which came first. */
  order: number;
}

/** The keywords provision honours; any other one is reported. */
export const HONOURED_OPTIONS = new Set([
  'hostname',
  'user',
  'port',
  'identityfile',
  'identitiesonly',
  'userknownhostsfile',
  'stricthostkeychecking',
  'connecttimeout',
  'serveraliveinterval',
  'serveralivecountmax',
  'proxyjump',
  'proxycommand',
]);

export interface HostSshOptions {
  get(keyword: string): ObtainedOption | undefined;
  /** `option (where)` of every option that applies to this host but is not honoured. */
  unhonoured: { keyword: string; where: string }[];
  /** The config file read ('' when none). */
  configFile: string;
}

/** Parsed config files, read once per planning of a run. */
export type ConfigCache = Map<string, ReturnType<typeof readSshConfig>>;

export function hostSshOptions(
  lookupName: string,
  user: string | undefined,
  args: SshArgs | undefined,
  configFile: string | undefined,
  cache: ConfigCache,
): HostSshOptions {
  const obtained = new Map<string, ObtainedOption>();
  const unhonoured: { keyword: string; where: string }[] = [];
  let order = 0;
  for (const o of args?.options ?? []) {
    if (obtained.has(o.keyword)) continue;
    obtained.set(o.keyword, { words: o.value.split(/\s+/).filter(Boolean), text: o.value, where: o.source, order: order++ });
    if (!HONOURED_OPTIONS.has(o.keyword)) unhonoured.push({ keyword: o.keyword, where: o.source });
  }
  for (const a of args?.ignored ?? []) unhonoured.push({ keyword: a.arg, where: a.source });
  const file = configFile === undefined ? '' : expandTilde(configFile);
  if (file !== '') {
    let lines = cache.get(file);
    if (!lines) cache.set(file, (lines = readSshConfig(file)));
    const { options, unsupportedMatches } = sshOptionsFor(lines, { host: lookupName, ...(user !== undefined ? { user } : {}) });
    for (const [keyword, v] of options) {
      const where = `${v.file}:${v.line}`;
      if (!obtained.has(keyword)) obtained.set(keyword, { words: v.words, text: v.text, where, order: order++ });
      if (!HONOURED_OPTIONS.has(keyword)) unhonoured.push({ keyword, where });
    }
    for (const m of unsupportedMatches) {
      unhonoured.push({ keyword: `Match ${m.words.join(' ')} (its section is skipped)`, where: `${m.file}:${m.line}` });
    }
  }
  return { get: (k) => obtained.get(k), unhonoured, configFile: file };
}
