/** Filters on lists and mappings: `join`, `length`, `map(attribute='x')`, `select`, `combine`, … */
import { TemplateEvaluationError, UndefinedVariableError } from './errors.ts';
import { param, type Filter, type FilterContext } from './filters.ts';
import { isFloat, numberOf, pyFloat } from './python.ts';
import { deepEqual, isPlainObject, lookup, MISSING, objectFrom, toText, truthy, typeName } from './values.ts';

function expectList(filter: string, value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (isPlainObject(value)) return Object.keys(value);
  throw new TemplateEvaluationError(`${filter}: expected a list, got ${typeName(value)}`);
}

function expectMapping(filter: string, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw new TemplateEvaluationError(`${filter}: expected a mapping, got ${typeName(value)}`);
  return value;
}

/** `item.a.b` for map/selectattr's dotted `attribute`. */
function attributeOf(filter: string, item: unknown, attribute: unknown): unknown {
  let value = item;
  for (const key of String(attribute).split('.')) {
    value = lookup(value, key);
    if (value === MISSING) throw new UndefinedVariableError(`item.${String(attribute)} (in ${filter})`);
  }
  return value;
}

function compareScalars(a: unknown, b: unknown): number {
  const [x, y] = [numberOf(a), numberOf(b)];
  if (x !== undefined && y !== undefined) return x - y;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateEvaluationError(`cannot order ${typeName(a)} and ${typeName(b)}`);
}

/** select/reject: `select` alone keeps truthy items; `select('equalto', 3)` applies a test. */
function selecting(keep: boolean, byAttribute: boolean): Filter {
  return (value, args, _kwargs, ctx) => {
    const name = byAttribute ? (keep ? 'selectattr' : 'rejectattr') : keep ? 'select' : 'reject';
    const list = expectList(name, value);
    const attribute = byAttribute ? args[0] : undefined;
    const [test, ...testArgs] = byAttribute ? args.slice(1) : args;
    return list.filter((item) => {
      const subject = byAttribute ? attributeOrMissing(item, attribute) : item;
      let passed: boolean;
      if (test === 'defined' || test === 'undefined') passed = (subject !== MISSING) === (test === 'defined');
      // Any other test of a missing attribute fails, as Ansible's strict undefined does.
      else if (subject === MISSING) throw new UndefinedVariableError(`item.${String(attribute)} (in ${name})`);
      else if (test === undefined) passed = truthy(subject);
      else passed = ctx.test(String(test), subject, testArgs);
      return passed === keep;
    });
  };
}

function attributeOrMissing(item: unknown, attribute: unknown): unknown {
  try {
    return attributeOf('selectattr', item, attribute);
  } catch (err) {
    if (err instanceof UndefinedVariableError) return MISSING;
    throw err;
  }
}

function map(value: unknown, args: unknown[], kwargs: Record<string, unknown>, ctx: FilterContext): unknown[] {
  const list = expectList('map', value);
  if (Object.prototype.hasOwnProperty.call(kwargs, 'attribute')) {
    const hasDefault = Object.prototype.hasOwnProperty.call(kwargs, 'default');
    return list.map((item) => {
      const v = attributeOrMissing(item, kwargs.attribute);
      if (v !== MISSING) return v;
      if (hasDefault) return kwargs.default;
      throw new UndefinedVariableError(`item.${String(kwargs.attribute)} (in map)`);
    });
  }
  const [filter, ...filterArgs] = args;
  if (typeof filter !== 'string') throw new TemplateEvaluationError("map: give a filter name or attribute='…'");
  return list.map((item) => ctx.filter(filter, item, filterArgs, {}));
}

function combine(value: unknown, args: unknown[], kwargs: Record<string, unknown>): Record<string, unknown> {
  const recursive = truthy(kwargs.recursive);
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out = new Map<string, unknown>(Object.entries(a));
    for (const [k, v] of Object.entries(b)) {
      const old = out.get(k);
      out.set(k, recursive && isPlainObject(old) && isPlainObject(v) ? merge(old, v) : v);
    }
    return objectFrom(out);
  };
  return args.reduce<Record<string, unknown>>((acc, next) => merge(acc, expectMapping('combine', next)), expectMapping('combine', value));
}

function flatten(list: unknown[], levels: number): unknown[] {
  return list.flatMap((x) => (Array.isArray(x) && levels > 0 ? flatten(x, levels - 1) : [x]));
}

function length(value: unknown): number {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  throw new TemplateEvaluationError(`length: expected a string, list or mapping, got ${typeName(value)}`);
}

export const COLLECTION_FILTERS: Record<string, Filter> = {
  length,
  count: length,
  first: (v) => {
    const list = expectList('first', v);
    if (!list.length) throw new UndefinedVariableError('first item of an empty list');
    return list[0];
  },
  last: (v) => {
    const list = expectList('last', v);
    if (!list.length) throw new UndefinedVariableError('last item of an empty list');
    return list[list.length - 1];
  },
  join: (v, a, k) => {
    const attribute = param(a, k, 1, 'attribute');
    const items = expectList('join', v).map((x) => (attribute === undefined ? x : attributeOf('join', x, attribute)));
    return items.map(toText).join(toText(param(a, k, 0, 'd', '')));
  },
  list: (v) => [...expectList('list', v)],
  unique: (v) => expectList('unique', v).filter((x, i, all) => all.findIndex((y) => deepEqual(x, y)) === i),
  sort: (v, a, k) => {
    const attribute = param(a, k, 2, 'attribute');
    const key = (x: unknown) => (attribute === undefined ? x : attributeOf('sort', x, attribute));
    const sorted = [...expectList('sort', v)].sort((x, y) => compareScalars(key(x), key(y)));
    return truthy(param(a, k, 0, 'reverse', false)) ? sorted.reverse() : sorted;
  },
  reverse: (v) => (typeof v === 'string' ? [...v].reverse().join('') : [...expectList('reverse', v)].reverse()),
  min: (v) => expectList('min', v).reduce((m, x) => (compareScalars(x, m) < 0 ? x : m)),
  max: (v) => expectList('max', v).reduce((m, x) => (compareScalars(x, m) > 0 ? x : m)),
  sum: (v, a, k) => {
    const start = param(a, k, 1, 'start', 0);
    const items = [start, ...expectList('sum', v)];
    const total = items.reduce<number>((s, x) => {
      const n = numberOf(x);
      if (n === undefined) throw new TemplateEvaluationError(`sum: expected numbers, got ${typeName(x)}`);
      return s + n;
    }, 0);
    return items.some(isFloat) ? pyFloat(total) : total;
  },
  flatten: (v, a, k) => flatten(expectList('flatten', v), Number(param(a, k, 0, 'levels', Infinity))),
  map,
  select: selecting(true, false),
  reject: selecting(false, false),
  selectattr: selecting(true, true),
  rejectattr: selecting(false, true),
  dict2items: (v) => Object.entries(expectMapping('dict2items', v)).map(([key, value]) => ({ key, value })),
  items2dict: (v, a, k) => {
    const keyName = String(param(a, k, 0, 'key_name', 'key'));
    const valueName = String(param(a, k, 1, 'value_name', 'value'));
    return objectFrom(expectList('items2dict', v).map((x) => [toText(attributeOf('items2dict', x, keyName)), attributeOf('items2dict', x, valueName)] as const));
  },
  combine,
  // lib/ansible/plugins/filter/core.py: ternary(value, true_val, false_val, none_val=None).
  ternary: (v, a, k) => {
    const noneValue = param(a, k, 2, 'none_val', null);
    if (v === null && noneValue !== null) return noneValue;
    return truthy(v) ? param(a, k, 0, 'true_val') : param(a, k, 1, 'false_val');
  },
  // lib/ansible/plugins/filter/core.py: extract(item, container, morekeys=None) looks item up in container, then morekeys.
  extract: (v, a, k) => {
    const more = param(a, k, 1, 'morekeys', null);
    const keys = [v, ...(more === null ? [] : Array.isArray(more) ? more : [more])];
    let value = param(a, k, 0, 'container');
    for (const key of keys) {
      value = lookup(value, key);
      if (value === MISSING) throw new UndefinedVariableError(`[${toText(key)}] (in extract)`);
    }
    return value;
  },
};
