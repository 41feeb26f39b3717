/**
 * Ansible host patterns, for --limit and a play's `hosts:`. Pure: works on names only.
 *
 *   all, *            every host
 *   web1, server      a host or a group (a group stands for all its hosts)
 *   node*, web?, ~re  fnmatch globs and (after ~) regular expressions, on group and host names
 *   server[0], agent[1:2], agent[-1]
 *                     subscripts into a term's hosts (inventory order; ranges inclusive)
 *   a:b  a,b          union          a:&b  intersection          a:!b  exclusion
 *
 * Ansible applies the terms by kind, not strictly left to right: every union term first,
 * then the `&` terms, then the `!` terms, so `a:!b:c` means (a ∪ c) − b. When a pattern has
 * only `&`/`!` terms they apply to `all` (`--limit '!db'` is every host but db's).
 * The result is always in inventory order; a pattern that matches nothing gives [].
 */
import { UsageError } from '../errors.ts';

export interface PatternScope {
  /** Every host name, in inventory order. */
  hosts: readonly string[];
  /** Group name → its host names (descendant groups included). */
  groups: Readonly<Record<string, readonly string[]>>;
}

/** Ansible's term splitting: commas, or colons outside `[...]` (which may hold a range). */
export function splitHostPattern(pattern: string, scope?: PatternScope): string[] {
  const terms: string[] = [];
  for (const piece of pattern.split(',')) {
    const trimmed = piece.trim();
    if (!trimmed) continue;
    // A host name with colons of its own (an IPv6 address) is one term.
    if (scope?.hosts.includes(trimmed)) {
      terms.push(trimmed);
      continue;
    }
    terms.push(...(trimmed.match(/(?:[^\s:[\]]|\[[^\]]*\])+/g) ?? []));
  }
  return terms;
}

export function selectHosts(pattern: string, scope: PatternScope): string[] {
  const terms = splitHostPattern(pattern, scope);
  if (terms.length === 0) return [];
  const unions = terms.filter((t) => !t.startsWith('&') && !t.startsWith('!'));
  const intersections = terms.filter((t) => t.startsWith('&')).map((t) => t.slice(1));
  const exclusions = terms.filter((t) => t.startsWith('!')).map((t) => t.slice(1));

  const selected = new Set<string>();
  for (const term of unions.length ? unions : ['all']) for (const h of matchTerm(term, scope)) selected.add(h);
  for (const term of intersections) {
    const keep = new Set(matchTerm(term, scope));
    for (const h of selected) if (!keep.has(h)) selected.delete(h);
  }
  for (const term of exclusions) for (const h of matchTerm(term, scope)) selected.delete(h);
  return scope.hosts.filter((h) => selected.has(h));
}

/** Hosts one term stands for, in inventory order. */
function matchTerm(rawTerm: string, scope: PatternScope): string[] {
  if (scope.hosts.includes(rawTerm)) return [rawTerm];
  const { term, subscript } = splitSubscript(rawTerm);
  let matched: Set<string>;
  if (term === 'all' || term === '*') {
    matched = new Set(scope.hosts);
  } else {
    const test = nameMatcher(term);
    matched = new Set();
    let anyGroup = false;
    for (const [group, hosts] of Object.entries(scope.groups)) {
      if (!test(group)) continue;
      anyGroup = true;
      for (const h of hosts) matched.add(h);
    }
    // As Ansible: host names are tried when no group matched, or when the term is a glob/regex.
    if (!anyGroup || /^~|[.?*[]/.test(term)) for (const h of scope.hosts) if (test(h)) matched.add(h);
  }
  const ordered = scope.hosts.filter((h) => matched.has(h));
  return subscript ? applySubscript(ordered, subscript) : ordered;
}

type Subscript = { index: number } | { start: number; end?: number };

function splitSubscript(term: string): { term: string; subscript?: Subscript } {
  if (term.startsWith('~')) return { term };
  const m = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)?\s*:\s*([0-9]+)?)\]$/.exec(term);
  if (!m) return { term };
  const [, base, index, start, end] = m;
  if (index !== undefined) return { term: base, subscript: { index: Number(index) } };
  return { term: base, subscript: { start: Number(start ?? 0), ...(end !== undefined ? { end: Number(end) } : {}) } };
}

function applySubscript(hosts: string[], s: Subscript): string[] {
  if ('index' in s) {
    const h = hosts[s.index < 0 ? hosts.length + s.index : s.index];
    return h === undefined ? [] : [h];
  }
  // Ansible's ranges include their end: server[0:1] is the first two servers.
  return hosts.slice(s.start, s.end === undefined ? undefined : s.end + 1);
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

/** fnmatch: `*`, `?`, `[abc]`, `[!abc]`; everything else literal. */
function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/\^/g, '\\^')}]`;
      i = close;
    } else out += c.replace(/[.+^${}()|\\/\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}
