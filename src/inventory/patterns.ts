/**
 * Ansible host patterns, for --limit and a play's `hosts:`. Pure: works on names only.
 * Modelled on ansible-core 2.14 lib/ansible/inventory/manager.py (split_host_pattern,
 * order_patterns, InventoryManager._evaluate_patterns, _match_one_pattern,
 * _split_subscript, _apply_subscript, _enumerate_matches):
 *
 *   all, *            every host, in the order of the `all` group
 *   web1, server      a host or a group (a group stands for all its hosts, in its order)
 *   node*, web?, ~re  fnmatch globs and (after ~) regular expressions, on group and host names
 *   server[0], agent[1:], agent[-1], agent[0:1]
 *                     subscripts into a term's hosts (ranges include their end; the old
 *                     `[1-2]` form means `[1:2]`, with a warning)
 *   a,b   a:b         union (with a comma anywhere, only commas separate: `a,b:c` is
 *                     `a` and `b:c`; `web1:22` and IPv6 addresses are one term)
 *   a:&b  a:!b        intersection, exclusion
 *
 * The terms apply by kind, not strictly left to right: every union term first, then the
 * `&` terms, then the `!` terms, so `a:!b:c` means (a ∪ c) − b. When a pattern has only
 * `&`/`!` terms they apply to `all`. Hosts come out in pattern order: `web:db` is web's
 * hosts, then db's not already named. `localhost`, `127.0.0.1` and `::1` match the implicit
 * localhost when no host or group does.
 */
import { UsageError } from '../errors.ts';
import { parseAddress } from './address.ts';

export interface PatternScope {
  /** Every host name, in the order the inventory created them. */
  hosts: readonly string[];
  /** Group name → its hosts in Ansible's group order, groups in the order created (`all` first). */
  groups: Readonly<Record<string, readonly string[]>>;
  /** Called for a deprecated form Ansible warns about (`web[1-2]`). */
  warn?: (message: string) => void;
  /**
   * The implicit localhost, once a pattern has made it: Ansible makes one per run, named by
   * the first of localhost/127.0.0.1/::1 asked for, and answers the others with it
   * (data.py, _create_implicit_localhost). Patterns that share this object share that host.
   */
  implicitLocalhost?: { name?: string };
}

/** Names the implicit localhost answers to (lib/ansible/constants.py, LOCALHOST). */
export const LOCALHOST_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

/** Ansible's term splitting (split_host_pattern). */
export function splitHostPattern(pattern: string): string[] {
  let terms: string[];
  if (pattern.includes(',')) terms = pattern.split(',');
  // One host identifier with colons of its own (`web1:22`, an IPv6 address, `h[1:3]`) is one term.
  else if (parseAddress(pattern, true)) terms = [pattern];
  else terms = pattern.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? [];
  return terms.map((t) => t.trim()).filter(Boolean);
}

export function selectHosts(pattern: string, scope: PatternScope): string[] {
  const terms = splitHostPattern(pattern);
  // An empty pattern selects nothing: safer than Ansible's reading of it as `all`.
  if (terms.length === 0) return [];
  const unions = terms.filter((t) => !t.startsWith('&') && !t.startsWith('!'));
  const intersections = terms.filter((t) => t.startsWith('&'));
  const exclusions = terms.filter((t) => t.startsWith('!'));
  const known = new Set(scope.hosts);
  let selected: string[] = [];
  for (const term of [...(unions.length ? unions : ['all']), ...intersections, ...exclusions]) {
    // A term that is a host's name is that host, whatever it looks like (`!` and `&` included).
    if (known.has(term)) {
      selected.push(term);
      continue;
    }
    const matched = matchTerm(term.startsWith('&') || term.startsWith('!') ? term.slice(1) : term, scope);
    if (term.startsWith('!')) {
      const drop = new Set(matched);
      selected = selected.filter((h) => !drop.has(h));
    } else if (term.startsWith('&')) {
      const keep = new Set(matched);
      selected = selected.filter((h) => keep.has(h));
    } else {
      const existing = new Set(selected);
      selected.push(...matched.filter((h) => !existing.has(h)));
    }
  }
  return [...new Set(selected)];
}

/** Hosts one term stands for (_match_one_pattern). */
function matchTerm(rawTerm: string, scope: PatternScope): string[] {
  const { term, subscript } = splitSubscript(rawTerm, scope);
  const hosts = enumerateMatches(term, scope);
  if (!subscript || hosts.length === 0) return hosts;
  const picked = applySubscript(hosts, subscript);
  if (!picked) throw new UsageError(`No hosts matched the subscripted pattern '${rawTerm}' (it has ${hosts.length} hosts)`);
  return picked;
}

function enumerateMatches(term: string, scope: PatternScope): string[] {
  const test = nameMatcher(term);
  const results: string[] = [];
  const groups = Object.keys(scope.groups).filter(test);
  for (const g of groups) results.push(...scope.groups[g]);
  // Host names are tried when no group matched, or when the term is a glob or regex.
  if (!groups.length || term.startsWith('~') || /[.?*[]/.test(term)) results.push(...scope.hosts.filter(test));
  if (!results.length && LOCALHOST_NAMES.includes(term)) {
    // The inventory's own localhost-like host stands in for the others (data.py, get_host).
    const own = scope.hosts.find((h) => LOCALHOST_NAMES.includes(h));
    if (own) results.push(own);
    else {
      const made = scope.implicitLocalhost ?? {};
      made.name ??= term;
      results.push(made.name);
    }
  }
  return [...new Set(results)];
}

/** [index] or [start, end]; end -1 means "to the last host". */
type Subscript = { index: number } | { start: number; end: number };

const PATTERN_WITH_SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s;

function splitSubscript(term: string, scope: PatternScope): { term: string; subscript?: Subscript } {
  if (term.startsWith('~')) return { term };
  const m = PATTERN_WITH_SUBSCRIPT.exec(term);
  if (!m) return { term };
  const [, base, index, start, separator, end] = m;
  if (index !== undefined) return { term: base, subscript: { index: Number(index) } };
  if (separator === '-') scope.warn?.(`Use [x:y] inclusive subscripts instead of [x-y] in "${term}", which Ansible has removed`);
  return { term: base, subscript: { start: Number(start), end: end ? Number(end) : -1 } };
}

/** undefined when a single index is out of range (Ansible's IndexError). */
function applySubscript(hosts: string[], s: Subscript): string[] | undefined {
  if ('index' in s) {
    const h = hosts[s.index < 0 ? hosts.length + s.index : s.index];
    return h === undefined ? undefined : [h];
  }
  // Python: `if end:` — an end of 0 selects the start host alone.
  if (s.end === 0) return hosts[s.start] === undefined ? undefined : [hosts[s.start]];
  const end = s.end === -1 ? hosts.length - 1 : s.end;
  return hosts.slice(s.start, end + 1);
}

function nameMatcher(term: string): (name: string) => boolean {
  if (term.startsWith('~')) {
    let re: RegExp;
    try {
      // Python's re.match: anchored at the start only.
      re = new RegExp(`^(?:${term.slice(1)})`);
    } catch (err) {
      throw new UsageError(`invalid host pattern "${term}": ${(err as Error).message}`);
    }
    return (name) => re.test(name);
  }
  if (!/[?*[]/.test(term)) return (name) => name === term;
  const re = globToRegExp(term);
  return (name) => re.test(name);
}

/** fnmatch.translate: `*`, `?`, `[abc]`, `[!abc]`; an unclosed `[` is literal. */
function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      let j = i + 1;
      if (glob[j] === '!') j++;
      if (glob[j] === ']') j++;
      const close = glob.indexOf(']', j);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/\^/g, '\\^').replace(/\[/g, '\\[')}]`;
      i = close;
    } else out += c.replace(/[.+^${}()|\\/\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}
