/**
 * Filters on text and single values (`x | to_json`, `x | indent(4)`). Collection filters
 * live in template-collection-filters.ts; `default` is part of the evaluator because it
 * must see an undefined operand before it fails.
 */
import { posix } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { quote } from '../connection/quote.ts';
import { TemplateEvaluationError } from './errors.ts';
import { isFloat, isNumeric, numberOf, plainValue, pyFloat, pyJson } from './python.ts';
import { toText, truthy, typeName } from './values.ts';

export interface FilterContext {
  filter(name: string, value: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown;
  test(name: string, value: unknown, args: unknown[]): boolean;
}

export type Filter = (value: unknown, args: unknown[], kwargs: Record<string, unknown>, ctx: FilterContext) => unknown;

/** Positional argument `index`, or keyword `name`, or the fallback. */
export function param(args: unknown[], kwargs: Record<string, unknown>, index: number, name: string, fallback?: unknown): unknown {
  if (index < args.length) return args[index];
  if (Object.prototype.hasOwnProperty.call(kwargs, name)) return kwargs[name];
  return fallback;
}

export function expectString(filter: string, value: unknown): string {
  if (typeof value !== 'string') throw new TemplateEvaluationError(`${filter}: expected a string, got ${typeName(value)}`);
  return value;
}

function parseText(filter: string, value: unknown, parse: (s: string) => unknown): unknown {
  const text = expectString(filter, value);
  try {
    return parse(text);
  } catch (err) {
    throw new TemplateEvaluationError(`${filter}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Ansible's to_json / to_nice_json: Python's json.dumps (lib/ansible/plugins/filter/core.py). */
function jsonText(value: unknown, indent?: number, sortKeys = false): string {
  return pyJson(value, indent, sortKeys);
}

/** Python's int() of a string: optional sign, digits, underscores between them, a base prefix when base 16/8/2. */
function parseInt10(text: string, base: number): number | undefined {
  let s = text.trim().toLowerCase();
  const prefix = { 16: '0x', 8: '0o', 2: '0b' }[base];
  const sign = s.startsWith('-') ? -1 : 1;
  s = s.replace(/^[+-]/, '');
  if (prefix && s.startsWith(prefix)) s = s.slice(2);
  const digit = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  if (!new RegExp(`^[${digit}]+(_[${digit}]+)*$`).test(s)) return undefined;
  return sign * parseInt(s.replace(/_/g, ''), base);
}

/** Python's float() of a string: decimal, exponent, inf / nan; undefined when it is not one. */
function parseFloatText(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(s)) return NaN;
  if (!/^[+-]?([0-9](_?[0-9])*)?(\.([0-9](_?[0-9])*)?)?(e[+-]?[0-9]+)?$/.test(s) || !/[0-9]/.test(s)) return undefined;
  return Number(s.replace(/_/g, ''));
}

/** Jinja2's do_int: int(value, base), else int(float(value)), else the default ('1e3' is 1000, '08' is 8). */
function toInt(value: unknown, fallback: unknown, base: number): unknown {
  if (typeof value === 'string') {
    const n = parseInt10(value, base) ?? parseFloatText(value);
    return n === undefined || !Number.isFinite(n) ? fallback : Math.trunc(n);
  }
  const n = numberOf(value);
  return n === undefined || !Number.isFinite(n) ? fallback : Math.trunc(n);
}

/** Jinja2's do_float: float(value), else the default (0.0). */
function toFloat(value: unknown, fallback: unknown): unknown {
  const n = typeof value === 'string' ? parseFloatText(value) : numberOf(value);
  return n === undefined ? fallback : pyFloat(n);
}

/** Ansible's bool filter (to_bool in lib/ansible/plugins/filter/core.py): 'yes', 'on', '1', 'true', 1 are true; none stays none; all else is false. */
function toBool(value: unknown): boolean | null {
  if (value === null || typeof value === 'boolean') return value;
  const v = typeof value === 'string' ? value.toLowerCase() : value;
  return v === 'yes' || v === 'on' || v === '1' || v === 'true' || (isNumeric(v) && numberOf(v) === 1);
}

/** Jinja's indent: every line but the first (unless `first`), blank lines only if `blank`. */
function indent(value: unknown, args: unknown[], kwargs: Record<string, unknown>): string {
  const text = toText(value);
  const width = param(args, kwargs, 0, 'width', 4);
  const pad = typeof width === 'string' ? width : ' '.repeat(Math.max(0, Math.min(Number(width) || 0, 1000)));
  const first = truthy(param(args, kwargs, 1, 'first', false));
  const blank = truthy(param(args, kwargs, 2, 'blank', false));
  return text
    .split('\n')
    .map((line, i) => ((i > 0 || first) && (blank || line.trim() !== '') ? pad + line : line))
    .join('\n');
}

function replace(value: unknown, args: unknown[], kwargs: Record<string, unknown>): string {
  const text = toText(value);
  const from = toText(param(args, kwargs, 0, 'old', ''));
  const to = toText(param(args, kwargs, 1, 'new', ''));
  const count = param(args, kwargs, 2, 'count', -1) as number;
  if (from === '') return text;
  const pieces = text.split(from);
  if (count < 0 || count >= pieces.length - 1) return pieces.join(to);
  return pieces.slice(0, count + 1).join(to) + from + pieces.slice(count + 1).join(from);
}

function split(value: unknown, args: unknown[], kwargs: Record<string, unknown>): string[] {
  const text = expectString('split', value);
  const sep = param(args, kwargs, 0, 'sep', null);
  // Without a separator, split on runs of whitespace, as Python's str.split() does.
  if (sep === null || sep === undefined) return text.split(/\s+/).filter((s) => s !== '');
  return text.split(toText(sep));
}

export const TEXT_FILTERS: Record<string, Filter> = {
  bool: toBool,
  int: (v, a, k) => toInt(v, param(a, k, 0, 'default', 0), Number(param(a, k, 1, 'base', 10))),
  float: (v, a, k) => toFloat(v, param(a, k, 0, 'default', pyFloat(0))),
  string: (v) => toText(v),
  // Jinja2's lower / upper / capitalize / trim take the text of any value (soft_str).
  lower: (v) => toText(v).toLowerCase(),
  upper: (v) => toText(v).toUpperCase(),
  capitalize: (v) => {
    const s = toText(v);
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  trim: (v, a, k) => {
    const s = toText(v);
    const chars = param(a, k, 0, 'chars', null);
    if (chars === null) return s.trim();
    const set = new Set(toText(chars));
    let [i, j] = [0, s.length];
    while (i < j && set.has(s[i])) i++;
    while (j > i && set.has(s[j - 1])) j--;
    return s.slice(i, j);
  },
  replace,
  split,
  indent,
  quote: (v) => quote(toText(v)),
  to_json: (v) => jsonText(v),
  to_nice_json: (v, a, k) => jsonText(v, Number(param(a, k, 0, 'indent', 4)), truthy(param(a, k, 1, 'sort_keys', true))),
  from_json: (v) => parseText('from_json', v, (s) => JSON.parse(s)),
  to_yaml: (v) => stringifyYaml(plainValue(v)),
  to_nice_yaml: (v, a, k) => stringifyYaml(plainValue(v), { indent: Number(param(a, k, 0, 'indent', 2)) }),
  from_yaml: (v) => parseText('from_yaml', v, (s) => parseYaml(s, { maxAliasCount: 100 })),
  b64encode: (v) => Buffer.from(toText(v), 'utf8').toString('base64'),
  b64decode: (v) => {
    const s = expectString('b64decode', v).replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) throw new TemplateEvaluationError('b64decode: not base64 text');
    return Buffer.from(s, 'base64').toString('utf8');
  },
  basename: (v) => posix.basename(expectString('basename', v)),
  dirname: (v) => posix.dirname(expectString('dirname', v)),
  abs: (v) => {
    const n = numberOf(v);
    if (n === undefined) throw new TemplateEvaluationError(`abs: expected a number, got ${typeName(v)}`);
    return isFloat(v) ? pyFloat(Math.abs(n)) : Math.abs(n);
  },
  type_debug: (v) => typeName(v),
};
