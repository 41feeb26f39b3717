/**
 * Tests: `x is string`, `r is failed`, `v is version('1.28.15', '>=')`. `defined` and
 * `undefined` are part of the evaluator, which must see an undefined operand before it fails.
 */
import { TemplateEvaluationError } from './errors.ts';
import { isFloat, isNumeric, numberOf } from './python.ts';
import { deepEqual, isPlainObject, lookup, MISSING, toText, truthy, typeName } from './values.ts';

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
 * Ansible's version test compares LooseVersion by default (lib/ansible/plugins/test/core.py,
 * lib/ansible/module_utils/compat/version.py): the text splits into runs of digits (numbers)
 * and of lower-case letters, other characters stand alone, dots drop out; the lists compare
 * item by item, and a number meeting a word is an error there, as in Python 3
 * (`'v1.2' is version('1.1', '>')` fails; both with a `v` compare).
 */
function looseVersion(text: string): Array<number | string> {
  return text
    .split(/(\d+|[a-z]+|\.)/)
    .filter((x) => x !== '' && x !== '.')
    .map((x) => (/^\d+$/.test(x) ? Number(x) : x));
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [looseVersion(a), looseVersion(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (typeof x[i] !== typeof y[i]) {
      throw new TemplateEvaluationError(`Version comparison failed: '<' not supported between instances of '${typeof x[i] === 'number' ? 'int' : 'str'}' and '${typeof y[i] === 'number' ? 'int' : 'str'}'`);
    }
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
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
  if (!truthy(value)) throw new TemplateEvaluationError('Input version value cannot be empty');
  if (!truthy(other)) throw new TemplateEvaluationError('Version parameter to compare against cannot be empty');
  return check(compareVersions(toText(value), toText(other)));
}

function compareTest(test: string, a: unknown, b: unknown): number {
  const [x, y] = [numberOf(a), numberOf(b)];
  if (x !== undefined && y !== undefined) return x - y;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateEvaluationError(`${test}: cannot compare ${typeName(a)} and ${typeName(b)}`);
}

export const TESTS: Record<string, Test> = {
  none: (v) => v === null,
  string: (v) => typeof v === 'string',
  number: (v) => isNumeric(v),
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => isFloat(v),
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
  // Jinja2's comparison tests (jinja2/tests.py), used as `select('>', 2)`.
  '==': (v, a) => deepEqual(v, a[0]),
  '!=': (v, a) => !deepEqual(v, a[0]),
  '>': (v, a) => compareTest('>', v, a[0]) > 0,
  gt: (v, a) => compareTest('gt', v, a[0]) > 0,
  greaterthan: (v, a) => compareTest('greaterthan', v, a[0]) > 0,
  '>=': (v, a) => compareTest('>=', v, a[0]) >= 0,
  ge: (v, a) => compareTest('ge', v, a[0]) >= 0,
  '<': (v, a) => compareTest('<', v, a[0]) < 0,
  lt: (v, a) => compareTest('lt', v, a[0]) < 0,
  lessthan: (v, a) => compareTest('lessthan', v, a[0]) < 0,
  '<=': (v, a) => compareTest('<=', v, a[0]) <= 0,
  le: (v, a) => compareTest('le', v, a[0]) <= 0,
  odd: (v) => Number.isInteger(v) && Math.abs(v as number) % 2 === 1,
  even: (v) => Number.isInteger(v) && (v as number) % 2 === 0,
  divisibleby: (v, a) => numberOf(v)! % numberOf(a[0])! === 0,
  lower: (v) => typeof v === 'string' && v === v.toLowerCase(),
  upper: (v) => typeof v === 'string' && v === v.toUpperCase(),
  failed: resultFlag('failed', 'failed'),
  changed: resultFlag('changed', 'changed'),
  skipped: resultFlag('skipped', 'skipped'),
  succeeded: (v, a) => !resultFlag('succeeded', 'failed')(v, a),
  success: (v, a) => !resultFlag('success', 'failed')(v, a),
};
