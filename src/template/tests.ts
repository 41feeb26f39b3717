/**
 * Tests: `x is string`, `r is failed`, `v is version('1.28.15', '>=')`. `defined` and
 * `undefined` are part of the evaluator, which must see an undefined operand before it fails.
 */
import { coerce, compare } from 'semver';
import { TemplateEvaluationError } from './errors.ts';
import { deepEqual, isPlainObject, lookup, MISSING, truthy, typeName } from './values.ts';

export type Test = (value: unknown, args: unknown[]) => boolean;

/** A registered task result: `failed`, `changed`, `skipped` read its flags. */
function resultFlag(test: string, flag: string): Test {
  return (value) => {
    if (!isPlainObject(value)) throw new TemplateEvaluationError(`${test}: expected a task result, got ${typeName(value)}`);
    const v = lookup(value, flag);
    return v !== MISSING && truthy(v);
  };
}

export function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new TemplateEvaluationError(`"in" a string needs a string, got ${typeName(item)}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => deepEqual(x, item));
  if (isPlainObject(container)) return (typeof item === 'string' || typeof item === 'number') && lookup(container, item) !== MISSING;
  throw new TemplateEvaluationError(`"in" needs a string, list or mapping on its right, got ${typeName(container)}`);
}

/**
 * Versions compare by semver's precedence after `semver.coerce`: a leading `v` and any
 * `-pre` / `+build` suffix are ignored, missing parts count as 0 (`v1.30.6+k3s1` is
 * 1.30.6, `1.29` is 1.29.0).
 */
function compareVersions(a: string, b: string): number {
  const x = coerce(a.trim());
  const y = coerce(b.trim());
  if (!x || !y) throw new TemplateEvaluationError(`version: cannot read a version from ${JSON.stringify(x ? b : a)}`);
  return compare(x, y);
}

const VERSION_OPERATORS: Record<string, (d: number) => boolean> = {
  '<': (d) => d < 0, lt: (d) => d < 0, '<=': (d) => d <= 0, le: (d) => d <= 0,
  '>': (d) => d > 0, gt: (d) => d > 0, '>=': (d) => d >= 0, ge: (d) => d >= 0,
  '==': (d) => d === 0, '=': (d) => d === 0, eq: (d) => d === 0,
  '!=': (d) => d !== 0, '<>': (d) => d !== 0, ne: (d) => d !== 0,
};

function version(value: unknown, args: unknown[]): boolean {
  const [other, op = '=='] = args;
  const check = VERSION_OPERATORS[String(op)];
  if (!check) throw new TemplateEvaluationError(`version: unknown operator ${JSON.stringify(op)}`);
  if (typeof value !== 'string' && typeof value !== 'number') throw new TemplateEvaluationError(`version: expected a version string, got ${typeName(value)}`);
  return check(compareVersions(String(value), String(other)));
}

export const TESTS: Record<string, Test> = {
  none: (v) => v === null,
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number' && !Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  mapping: (v) => isPlainObject(v),
  sequence: (v) => Array.isArray(v) || typeof v === 'string',
  iterable: (v) => Array.isArray(v) || typeof v === 'string' || isPlainObject(v),
  true: (v) => v === true,
  false: (v) => v === false,
  truthy: (v) => truthy(v),
  falsy: (v) => !truthy(v),
  eq: (v, a) => deepEqual(v, a[0]),
  equalto: (v, a) => deepEqual(v, a[0]),
  ne: (v, a) => !deepEqual(v, a[0]),
  in: (v, a) => contains(a[0], v),
  contains: (v, a) => contains(v, a[0]),
  version,
  failed: resultFlag('failed', 'failed'),
  changed: resultFlag('changed', 'changed'),
  skipped: resultFlag('skipped', 'skipped'),
  succeeded: (v, a) => !resultFlag('succeeded', 'failed')(v, a),
  success: (v, a) => !resultFlag('success', 'failed')(v, a),
};
