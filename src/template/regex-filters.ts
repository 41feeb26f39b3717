/**
 * Ansible's regex filters (lib/ansible/plugins/filter/core.py, 2.14): `regex_replace` is
 * Python's re.sub, `regex_search` re.search returning the match (or the listed groups),
 * `regex_findall` re.findall. Patterns are Python's; the common differences from
 * JavaScript's syntax (`(?P<name>…)`, `(?P=name)`, `\A`, `\Z`) are translated, and a
 * replacement's `\1` / `\g<name>` become JavaScript's `$1` / `$<name>`.
 */
import { TemplateEvaluationError } from './errors.ts';
import { param, type Filter } from './filters.ts';
import { toText, truthy } from './values.ts';

function pythonRegex(filter: string, pattern: unknown, flags: string): RegExp {
  const source = toText(pattern)
    .replace(/\(\?P</g, '(?<')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  try {
    return new RegExp(source, flags);
  } catch (err) {
    throw new TemplateEvaluationError(`${filter}: ${(err as Error).message}`);
  }
}

/** `ignorecase` and `multiline`, positional at `at` (in the filter's own order) or by keyword. */
function flagsOf(args: unknown[], kwargs: Record<string, unknown>, at: { ignorecase: number; multiline: number }, global: boolean): string {
  const ignorecase = truthy(param(args, kwargs, at.ignorecase, 'ignorecase', false));
  const multiline = truthy(param(args, kwargs, at.multiline, 'multiline', false));
  return `${global ? 'g' : ''}${ignorecase ? 'i' : ''}${multiline ? 'm' : ''}`;
}

/** A Python replacement template as a JavaScript one: escapes decoded, `$` kept literal. */
function replacementText(replacement: string): string {
  return replacement.replace(/\$|\\(g<(\w+)>|[0-9]{1,2}|n|t|r|\\)/g, (all, _esc: string | undefined, group: string | undefined) => {
    if (all === '$') return '$$';
    if (group !== undefined) return /^[0-9]+$/.test(group) ? `$${group}` : `$<${group}>`;
    const e = all.slice(1);
    if (/^[0-9]+$/.test(e)) return `$${e}`;
    return { n: '\n', t: '\t', r: '\r', '\\': '\\' }[e] ?? all;
  });
}

const regexReplace: Filter = (value, args, kwargs) => {
  const re = pythonRegex('regex_replace', param(args, kwargs, 0, 'pattern', ''), flagsOf(args, kwargs, { ignorecase: 2, multiline: 3 }, true));
  return toText(value).replace(re, replacementText(toText(param(args, kwargs, 1, 'replacement', ''))));
};

/** re.search: the whole match, or with `'\\1'` / `'\\g<name>'` arguments the list of those groups; none when nothing matches. */
const regexSearch: Filter = (value, args, kwargs) => {
  const [pattern, ...groupArgs] = args;
  const re = pythonRegex('regex_search', pattern, flagsOf([], kwargs, { ignorecase: 0, multiline: 1 }, false));
  const groups = groupArgs.map((g) => {
    const text = toText(g);
    const m = /^\\(?:g<(\S+)>|(\d+))$/.exec(text);
    if (!m) throw new TemplateEvaluationError('regex_search: Unknown argument');
    return m[1] ?? Number(m[2]);
  });
  const match = re.exec(toText(value));
  if (!match) return null;
  if (!groups.length) return match[0];
  return groups.map((g) => (typeof g === 'number' ? match[g] : match.groups?.[g]) ?? null);
};

/** re.findall: every match; with groups, each match's group (one group) or list of groups. */
const regexFindall: Filter = (value, args, kwargs) => {
  const re = pythonRegex('regex_findall', param(args, kwargs, 0, 'regex', ''), flagsOf(args, kwargs, { multiline: 1, ignorecase: 2 }, true));
  return [...toText(value).matchAll(re)].map((m) => (m.length === 1 ? m[0] : m.length === 2 ? (m[1] ?? '') : m.slice(1).map((g) => g ?? '')));
};

export const REGEX_FILTERS: Record<string, Filter> = {
  regex_replace: regexReplace,
  regex_search: regexSearch,
  regex_findall: regexFindall,
  // Python 3.7+'s re.escape: only the characters special in a pattern.
  regex_escape: (v) => toText(v).replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (c) => `\\${c}`),
};
