/**
 * How template expressions see data. Only plain data is visible: own properties of
 * objects (and of user-made prototypes, so layered variable scopes work), list items and
 * string characters. Nothing from JavaScript's built-in prototypes (`constructor`,
 * `__proto__`, `toString`) and no functions: an expression can never reach code.
 */
import { TemplateEvaluationError } from './errors.ts';
import { isNumeric, numberOf, PyFloat, pyStr } from './python.ts';

/** Sentinel for "no such key": distinct from a key whose value is null. */
export const MISSING: unique symbol = Symbol('missing');

/**
 * A plain object: made by a literal, JSON or YAML (prototype Object.prototype or null), or
 * layered on another plain object with Object.create (a variable scope over its parent).
 * Class instances, Buffers, Dates and the like are not data an expression may look into.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === null || proto === Object.prototype) return true;
  return isPlainObject(proto) && !Object.prototype.hasOwnProperty.call(proto, 'constructor');
}

/** `container[key]` for plain data, or MISSING. Lists and strings take integer keys (negative counts from the end). */
export function lookup(container: unknown, key: unknown): unknown {
  if (Array.isArray(container) || typeof container === 'string') {
    const i = toIndex(key, container.length);
    if (i === undefined) return MISSING;
    return visible(container[i]);
  }
  if (!isPlainObject(container) || (typeof key !== 'string' && typeof key !== 'number')) return MISSING;
  const name = String(key);
  for (let o: object | null = container; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    if (Object.prototype.hasOwnProperty.call(o, name)) return visible(Reflect.get(o, name, container));
  }
  return MISSING;
}

function toIndex(key: unknown, length: number): number | undefined {
  const n = typeof key === 'string' && /^-?[0-9]+$/.test(key) ? Number(key) : key;
  if (typeof n !== 'number' || !Number.isInteger(n)) return undefined;
  const i = n < 0 ? length + n : n;
  return i >= 0 && i < length ? i : undefined;
}

/** A JS `undefined` value counts as absent; a function is never handed to an expression. */
function visible(value: unknown): unknown {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol' ? MISSING : value;
}

/** Python truthiness: false, 0, '', [], {}, none are false. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (value instanceof PyFloat) return value.value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** How a value appears inside a larger string: Python's str(), as Jinja2 writes it. */
export function toText(value: unknown): string {
  if (value === undefined) return '';
  return pyStr(value);
}

/** Python's ==: `1 == 1.0 == True`, lists and mappings item by item. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((isNumeric(a) || typeof a === 'boolean') && (isNumeric(b) || typeof b === 'boolean')) return numberOf(a) === numberOf(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Build an object from pairs without ever touching a prototype (`__proto__` stays an ordinary key). */
export function objectFrom(entries: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  return Object.fromEntries(entries) as Record<string, unknown>;
}

export function typeName(value: unknown): string {
  if (value === null) return 'none';
  if (Array.isArray(value)) return 'list';
  if (isPlainObject(value)) return 'dict';
  if (value instanceof PyFloat) return 'float';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'str';
  return typeof value;
}

/**
 * The largest value an expression may build: characters of text plus items of lists and
 * mappings, counted through nesting. Templates refer to each other, so a few lines
 * (`v1: "{{ v0 + v0 }}"`, `v2: "{{ v1 + v1 }}"`, …) double a value into the billions and
 * would end the process with a V8 fatal error; this ends the template with an error instead.
 */
export const MAX_TEMPLATE_VALUE_SIZE = 16 * 1024 * 1024;

/** `value`, or a TemplateEvaluationError when it exceeds MAX_TEMPLATE_VALUE_SIZE (counting stops there). */
export function withinSizeLimit<T>(value: T): T {
  let budget = MAX_TEMPLATE_VALUE_SIZE;
  const visit = (v: unknown): void => {
    if (typeof v === 'string') budget -= v.length;
    else if (Array.isArray(v)) {
      budget -= v.length;
      for (const item of v) {
        if (budget < 0) return;
        visit(item);
      }
    } else if (isPlainObject(v)) {
      for (const [k, item] of Object.entries(v)) {
        budget -= 1 + k.length;
        if (budget < 0) return;
        visit(item);
      }
    } else budget -= 1;
  };
  visit(value);
  if (budget < 0) {
    throw new TemplateEvaluationError(`template result exceeds ${MAX_TEMPLATE_VALUE_SIZE} characters and items; a template that doubles a value?`);
  }
  return value;
}
