/**
 * Python's view of values, as Ansible's Jinja2 shows them. JavaScript has one number
 * type; Python tells `5` from `5.0`, and Ansible prints the difference (`{{ 10 / 2 }}` is
 * `5.0`). A float whose value is whole is carried as a PyFloat while an expression is
 * evaluated, and leaves the template language as a plain number (plainValue).
 */

/** A Python float with a whole value (`2.0`); fractional floats are plain JS numbers. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** The float `n`: a PyFloat when whole, so it still prints as `n.0`. */
export function pyFloat(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

export const isNumeric = (v: unknown): v is number | PyFloat => typeof v === 'number' || v instanceof PyFloat;
export const isFloat = (v: unknown): boolean => v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));

/** The JS number of a number (int, float or PyFloat); booleans count as 0 / 1, as in Python. */
export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/** Deep copy with every PyFloat turned into its number: what modules and variables receive. */
export function plainValue(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.some(needsPlain) ? v.map(plainValue) : v;
  if (v !== null && typeof v === 'object' && needsPlain(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, plainValue(item)]));
  }
  return v;
}

function needsPlain(v: unknown): boolean {
  if (v instanceof PyFloat) return true;
  if (Array.isArray(v)) return v.some(needsPlain);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).some(needsPlain);
  return false;
}

/** Python's repr() of a float: `5.0`, `0.1`, `1e+20`, `inf`, `nan`. */
function floatText(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  const s = String(n);
  // Python switches to exponent form from 1e16 up and below 1e-4; JS from 1e21 and 1e-7.
  if (Math.abs(n) >= 1e16 || (Math.abs(n) < 1e-4 && n !== 0)) {
    const [mantissa, exp] = n.toExponential().split('e');
    const e = Number(exp);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return s;
}

function numberText(v: number | PyFloat): string {
  if (v instanceof PyFloat) return floatText(v.value);
  return Number.isInteger(v) ? String(v) : floatText(v);
}

/** Python's repr() of a string: single quotes unless the text has a ' and no ". */
function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const c of s) {
    if (c === quote || c === '\\') out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c < ' ' || c === '\x7f') out += '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
    else out += c;
  }
  return out + quote;
}

/** Python's repr(): how a value looks inside a printed list or mapping. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return stringRepr(v);
  return pyStr(v);
}

/** Python's str(): how Jinja2 turns a value into text (`True`, `None`, `['a', 1]`, `{'k': 2.0}`). */
export function pyStr(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (isNumeric(v)) return numberText(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, item]) => `${stringRepr(k)}: ${pyRepr(item)}`).join(', ')}}`;
  return String(v);
}

/** Python's json.dumps() defaults: `", "` and `": "` separators, floats as `5.0`. */
export function pyJson(v: unknown, indent?: number, sortKeys = false, level = 0): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (isNumeric(v)) {
    const n = numberOf(v)!;
    if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
    return numberText(v);
  }
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  const pad = indent === undefined ? '' : '\n' + ' '.repeat(indent * (level + 1));
  const end = indent === undefined ? '' : '\n' + ' '.repeat(indent * level);
  const sep = indent === undefined ? ', ' : ',';
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    return `[${v.map((item) => pad + pyJson(item, indent, sortKeys, level + 1)).join(sep)}${end}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (!entries.length) return '{}';
  if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, item]) => `${pad}${pyJson(k)}: ${pyJson(item, indent, sortKeys, level + 1)}`).join(sep)}${end}}`;
}
