/**
 * Filters on text and single values (`x | to_json`, `x | indent(4)`). Collection filters
 * live in template-collection-filters.ts; `default` is part of the evaluator because it
 * must see an undefined operand before it fails.
 */
import { posix } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { quote } from '../connection/quote.ts';
import { TemplateEvaluationError } from './errors.ts';
import { isAnsibleTrue } from './boolean.ts';
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

function jsonText(value: unknown, indent?: number): string {
  try {
    return JSON.stringify(value, null, indent) ?? 'null';
  } catch (err) {
    throw new TemplateEvaluationError(`to_json: ${(err as Error).message}`);
  }
}

function toInt(value: unknown, fallback: unknown, base: number): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : fallback;
  if (typeof value === 'string') {
    const s = value.trim().replace(/_/g, '');
    const digits = base === 10 ? /^[+-]?[0-9]+(\.[0-9]*)?$/ : /^[+-]?[0-9a-zA-Z]+$/;
    if (!digits.test(s)) return fallback;
    const n = base === 10 ? Math.trunc(Number(s)) : parseInt(s, base);
    return Number.isNaN(n) ? fallback : n;
  }
  return fallback;
}

function toFloat(value: unknown, fallback: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return fallback;
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
  const text = expectString('replace', value);
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
  bool: (v) => isAnsibleTrue(v),
  int: (v, a, k) => toInt(v, param(a, k, 0, 'default', 0), Number(param(a, k, 1, 'base', 10))),
  float: (v, a, k) => toFloat(v, param(a, k, 0, 'default', 0)),
  string: (v) => toText(v),
  lower: (v) => expectString('lower', v).toLowerCase(),
  upper: (v) => expectString('upper', v).toUpperCase(),
  capitalize: (v) => {
    const s = expectString('capitalize', v);
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  trim: (v) => expectString('trim', v).trim(),
  replace,
  split,
  indent,
  quote: (v) => quote(toText(v)),
  to_json: (v) => jsonText(v),
  to_nice_json: (v, a, k) => jsonText(v, Number(param(a, k, 0, 'indent', 4))),
  from_json: (v) => parseText('from_json', v, (s) => JSON.parse(s)),
  to_yaml: (v) => stringifyYaml(v),
  to_nice_yaml: (v, a, k) => stringifyYaml(v, { indent: Number(param(a, k, 0, 'indent', 2)) }),
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
    if (typeof v !== 'number') throw new TemplateEvaluationError(`abs: expected a number, got ${typeName(v)}`);
    return Math.abs(v);
  },
  type_debug: (v) => typeName(v),
};
