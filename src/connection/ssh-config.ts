/**
 * OpenSSH client configuration (ssh_config(5)), read the way `ssh` reads it: one directive
 * per line (tokenised by the `ssh-config` package, which knows the quoting rules), sections
 * opened by `Host` and `Match`, `Include` expanded in place (globs in lexical order, relative
 * names under ~/.ssh, conditional when inside a section), and for every option the first
 * value obtained wins — `IdentityFile` and `UserKnownHostsFile` excepted, whose first
 * occurrence carries the whole list. Every value keeps its file and line, so what provision
 * does not honour can be reported where it was written.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import SSHConfig, { LineType, type Directive, type Match } from 'ssh-config';
import { ValidationError } from '../errors.ts';

export interface SshOptionValue {
  /** The words of the value (one for most options; several for lists and commands). */
  words: string[];
  /** The value as written, for commands (ProxyCommand) that are run through a shell. */
  text: string;
  file: string;
  line: number;
}

/** keyword (lower case) → the value that applies. */
export type SshOptions = Map<string, SshOptionValue>;

interface ConfigLine {
  keyword: string;
  words: string[];
  text: string;
  file: string;
  line: number;
  /** Host/Match criteria of the section this line sits in (lines of an included file inherit it). */
  sections: Condition[];
  /** Match criteria, when this line is a Match. */
  criteria?: Record<string, string>;
}

type Condition = { kind: 'host'; patterns: string[] } | { kind: 'match'; criteria: Record<string, string>; file: string; line: number };

/** Options that accumulate over every matching line (ssh_config(5): "multiple identity files … tried in sequence"). */
const ACCUMULATED = new Set(['identityfile', 'certificatefile', 'localforward', 'remoteforward', 'dynamicforward', 'sendenv']);
const MAX_INCLUDE_DEPTH = 16; // READCONF_MAX_DEPTH in OpenSSH's readconf.c

/** Parse a config file with its includes into one flat list; a missing top file is an empty config. */
export function readSshConfig(file: string): ConfigLine[] {
  if (!existsSync(file)) return [];
  return readFile(file, [], 0);
}

function readFile(file: string, outer: Condition[], depth: number): ConfigLine[] {
  if (depth > MAX_INCLUDE_DEPTH) throw configError(file, 1, `Include nested more than ${MAX_INCLUDE_DEPTH} deep`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw configError(file, 1, `cannot read: ${(err as Error).message}`);
  }
  const out: ConfigLine[] = [];
  let sections = outer;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || raw.trim().startsWith('#')) return;
    let parsed;
    try {
      parsed = SSHConfig.parse(raw);
    } catch (err) {
      throw configError(file, line, (err as Error).message);
    }
    const directive = parsed.find((l) => l.type === LineType.DIRECTIVE) as Directive | undefined;
    if (!directive || directive.param === '') return;
    const keyword = directive.param.toLowerCase();
    const words = Array.isArray(directive.value) ? directive.value.map((v) => v.val) : [directive.value];
    const textValue = raw.trim().slice(directive.param.length).replace(/^\s*=?\s*/, '').replace(/\s+#.*$/, '');
    if (keyword === 'host') {
      sections = [...outer, { kind: 'host', patterns: words }];
      return;
    }
    if (keyword === 'match') {
      const criteria = Object.fromEntries(
        Object.entries((directive as Match).criteria).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.map((x) => x.val).join(',') : v]),
      );
      sections = [...outer, { kind: 'match', criteria, file, line }];
      return;
    }
    if (keyword === 'include') {
      for (const included of expandInclude(words)) out.push(...readFile(included, sections, depth + 1));
      return;
    }
    out.push({ keyword, words, text: textValue, file, line, sections });
  });
  return out;
}

/** Include's names: `~` expanded, relative ones under ~/.ssh, globs expanded in lexical order. */
function expandInclude(patterns: string[]): string[] {
  const files: string[] = [];
  for (const pattern of patterns) {
    const path = expandTilde(pattern);
    const absolute = isAbsolute(path) ? path : join(homedir(), '.ssh', path);
    files.push(...globPath(absolute).filter((f) => statSync(f).isFile()));
  }
  return files;
}

/** A minimal glob(3): `*` and `?` in any path component, results sorted like glob's. */
function globPath(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  let found = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of found) {
      if (!/[*?[]/.test(part)) {
        const candidate = join(dir, part);
        if (existsSync(candidate)) next.push(candidate);
        continue;
      }
      let entries: string[] = [];
      try {
        entries = readdirSync(dir);
      } catch {
        continue;
      }
      for (const entry of entries.sort()) {
        if (entry.startsWith('.') && !part.startsWith('.')) continue;
        if (patternMatches(part, entry, false)) next.push(join(dir, entry));
      }
    }
    found = next;
  }
  return found;
}

export interface SshLookup {
  /** The name given to ssh (what `Host` patterns match, and `Match originalhost`). */
  host: string;
  /** The login user known before the file is read (command line / inventory), for `Match user`. */
  user?: string;
}

/**
 * The options that apply to one host: each line in order, under its sections' conditions,
 * first value wins. `Match host` sees the HostName obtained so far, as ssh does;
 * `Match final`/`canonical` lines are taken in a second pass (ssh makes one when asked to).
 */
export function sshOptionsFor(lines: ConfigLine[], lookup: SshLookup): { options: SshOptions; unsupportedMatches: ConfigLine[] } {
  const options: SshOptions = new Map();
  const unsupported: ConfigLine[] = [];
  const localUser = userInfo().username;
  let wantsFinal = false;
  const pass = (final: boolean): void => {
    // ssh evaluates a Host or Match line once, where it stands: a HostName obtained inside
    // a `Match host` section does not switch the rest of that section off.
    const evaluated = new Map<Condition, boolean>();
    const holds = (c: Condition): boolean => {
      let result = evaluated.get(c);
      if (result === undefined) evaluated.set(c, (result = evaluate(c)));
      return result;
    };
    const evaluate = (c: Condition): boolean => {
      if (c.kind === 'host') return hostPatternsMatch(c.patterns, lookup.host);
      const hostName = options.get('hostname')?.words[0] ?? lookup.host;
      const user = lookup.user ?? options.get('user')?.words[0] ?? localUser;
      const result = matchCriteria(c.criteria, { host: hostName, originalhost: lookup.host, user, localuser: localUser, final });
      if (result === 'needs-final') wantsFinal = true;
      if (result === 'unsupported') unsupported.push({ keyword: 'match', words: Object.keys(c.criteria), text: '', file: c.file, line: c.line, sections: [] });
      return result === true;
    };
    for (const line of lines) {
      if (!line.sections.every(holds)) continue;
      const current = options.get(line.keyword);
      if (current === undefined) options.set(line.keyword, { words: line.words, text: line.text, file: line.file, line: line.line });
      else if (ACCUMULATED.has(line.keyword) && !final) current.words = [...current.words, ...line.words];
    }
  };
  pass(false);
  if (wantsFinal) pass(true);
  return { options, unsupportedMatches: dedupe(unsupported) };
}

function dedupe(lines: ConfigLine[]): ConfigLine[] {
  const seen = new Set<string>();
  return lines.filter((l) => !seen.has(`${l.file}:${l.line}`) && seen.add(`${l.file}:${l.line}`));
}

type MatchResult = boolean | 'needs-final' | 'unsupported';

/** Match criteria are ANDed; `!` before a criterion negates it (ssh_config(5) "Match"). */
function matchCriteria(
  criteria: Record<string, string>,
  ctx: { host: string; originalhost: string; user: string; localuser: string; final: boolean },
): MatchResult {
  for (const [rawKey, value] of Object.entries(criteria)) {
    const negated = rawKey.startsWith('!');
    const key = negated ? rawKey.slice(1) : rawKey;
    let result: boolean;
    switch (key) {
      case 'all':
        result = true;
        break;
      case 'final':
      case 'canonical':
        if (!ctx.final) return 'needs-final';
        result = true;
        break;
      case 'host':
      case 'originalhost':
      case 'user':
      case 'localuser':
        result = patternListMatches(value.split(','), ctx[key]);
        break;
      default:
        // exec, tagged, localnetwork, …: provision does not run commands from a config file.
        return 'unsupported';
    }
    if (result === negated) return false;
  }
  return true;
}

/** `Host` patterns: any positive match, and no negated one (ssh_config(5) "PATTERNS"). */
export function hostPatternsMatch(patterns: string[], host: string): boolean {
  return patternListMatches(patterns.flatMap((p) => p.split(',')), host);
}

function patternListMatches(patterns: string[], text: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (patternMatches(p.slice(1), text, true)) return false;
    } else if (patternMatches(p, text, true)) matched = true;
  }
  return matched;
}

/** OpenSSH's match_pattern: `*` any run, `?` exactly one character; host names compared case-insensitively. */
export function patternMatches(pattern: string, text: string, ignoreCase: boolean): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const s = ignoreCase ? text.toLowerCase() : text;
  const re = p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(s);
}

export function expandTilde(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

/**
 * ssh_config(5) TOKENS for IdentityFile, UserKnownHostsFile, HostName and ProxyCommand:
 * %h host, %p port, %r remote user, %n original name, %u local user, %d home, %% a `%`.
 */
export function expandTokens(value: string, t: { host: string; port: number; user: string; original: string }): string {
  return value.replace(/%(.)/g, (whole, c: string) => {
    switch (c) {
      case '%':
        return '%';
      case 'h':
        return t.host;
      case 'p':
        return String(t.port);
      case 'r':
        return t.user;
      case 'n':
        return t.original;
      case 'u':
        return userInfo().username;
      case 'd':
        return homedir();
      default:
        return whole;
    }
  });
}

export function configError(file: string, line: number, message: string): ValidationError {
  return new ValidationError([{ file, line, col: 1, message }]);
}
