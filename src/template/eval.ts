/**
 * Evaluates a parsed expression against variables. Undefined names throw
 * UndefinedVariableError naming the whole path as written (`k3s.data_dir`), except under
 * `default` / `d` and `is defined` / `is undefined`, which catch exactly that error.
 */
import { FILTERS, GUARD_FILTERS, GUARD_TESTS } from './catalog.ts';
import { TemplateEvaluationError, UndefinedVariableError } from './errors.ts';
import type { FilterContext } from './filters.ts';
import type { Expr } from './ast.ts';
import { contains, TESTS } from './tests.ts';
import { isFloat, numberOf, pyFloat, type PyFloat } from './python.ts';
import { deepEqual, lookup, MISSING, objectFrom, toText, truthy, typeName, withinSizeLimit } from './values.ts';

type Vars = Record<string, unknown>;

const context: FilterContext = {
  filter(name, value, args, kwargs) {
    const f = FILTERS[name.replace(/^ansible\.builtin\./, '')];
    if (!f) throw new TemplateEvaluationError(`unknown filter "${name}"`);
    return f(value, args, kwargs, context);
  },
  test(name, value, args) {
    const t = TESTS[name.replace(/^ansible\.builtin\./, '')];
    if (!t) throw new TemplateEvaluationError(`unknown test "${name}"`);
    return t(value, args);
  },
};

export function evaluate(expr: Expr, vars: Vars): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'name':
    case 'attr':
    case 'index':
      return resolvePath(expr, vars);
    case 'slice':
      return slice(expr, vars);
    case 'list':
      return withinSizeLimit(expr.items.map((item) => evaluate(item, vars)));
    case 'dict':
      return withinSizeLimit(objectFrom(expr.entries.map(([k, v]) => [dictKey(evaluate(k, vars)), evaluate(v, vars)] as const)));
    case 'unary': {
      const v = evaluate(expr.operand, vars);
      if (expr.op === 'not') return !truthy(v);
      const n = numberOf(v);
      if (n === undefined) throw new TemplateEvaluationError(`unary ${expr.op} needs a number, got ${typeName(v)}`);
      const result = expr.op === '-' ? -n : n;
      return isFloat(v) ? pyFloat(result) : result;
    }
    case 'binary':
      return withinSizeLimit(binary(expr.op, expr.left, expr.right, vars));
    case 'ternary':
      return truthy(evaluate(expr.test, vars)) ? evaluate(expr.then, vars) : evaluate(expr.otherwise, vars);
    case 'filter':
      return withinSizeLimit(filter(expr, vars));
    case 'test': {
      const passed = GUARD_TESTS.has(expr.name)
        ? isDefined(expr.operand, vars) === (expr.name === 'defined')
        : context.test(expr.name, evaluate(expr.operand, vars), expr.args.map((a) => evaluate(a, vars)));
      return expr.negated ? !passed : passed;
    }
  }
}

function dictKey(key: unknown): string {
  if (typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean') return String(key);
  throw new TemplateEvaluationError(`a mapping key must be a string or number, got ${typeName(key)}`);
}

/**
 * `a.b[0].c`: walk from the root name; if any step is missing, the error names the whole
 * chain, so the operator sees which lookup of which variable failed.
 */
function resolvePath(expr: Expr, vars: Vars): unknown {
  const steps: Expr[] = [];
  let root = expr;
  while (root.kind === 'attr' || root.kind === 'index') {
    steps.unshift(root);
    root = root.object;
  }
  let path: string;
  let value: unknown;
  if (root.kind === 'name') {
    path = root.name;
    value = lookup(vars, root.name);
  } else {
    path = '(…)';
    value = evaluate(root, vars);
  }
  let missing = value === MISSING;
  for (const step of steps) {
    let key: unknown;
    if (step.kind === 'attr') {
      key = step.key;
      path += typeof key === 'number' ? `[${key}]` : `.${key}`;
    } else if (step.kind === 'index') {
      key = evaluate(step.index, vars);
      path += `[${typeof key === 'string' ? `'${key}'` : toText(key)}]`;
    }
    if (!missing) {
      value = lookup(value, key);
      missing = value === MISSING;
    }
  }
  if (missing) throw new UndefinedVariableError(path);
  return value;
}

function slice(expr: Extract<Expr, { kind: 'slice' }>, vars: Vars): unknown {
  const value = evaluate(expr.object, vars);
  const bound = (e: Expr | undefined): number | undefined => {
    if (!e) return undefined;
    const n = evaluate(e, vars);
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new TemplateEvaluationError(`slice bounds must be integers, got ${typeName(n)}`);
    return n;
  };
  const start = bound(expr.start);
  const stop = bound(expr.stop);
  if (typeof value === 'string' || Array.isArray(value)) return value.slice(start, stop);
  throw new TemplateEvaluationError(`cannot slice ${typeName(value)}`);
}

function isDefined(operand: Expr, vars: Vars): boolean {
  try {
    evaluate(operand, vars);
    return true;
  } catch (err) {
    if (err instanceof UndefinedVariableError) return false;
    throw err;
  }
}

function filter(expr: Extract<Expr, { kind: 'filter' }>, vars: Vars): unknown {
  const args = expr.args.map((a) => evaluate(a, vars));
  const kwargs = objectFrom(Object.entries(expr.kwargs).map(([k, v]) => [k, evaluate(v, vars)] as const));
  if (!GUARD_FILTERS.has(expr.name)) return context.filter(expr.name, evaluate(expr.operand, vars), args, kwargs);
  // default(value='', boolean=false): the fallback when undefined, or (boolean) when falsy.
  const fallback = args.length > 0 ? args[0] : 'default_value' in kwargs ? kwargs.default_value : '';
  const onFalsy = truthy(args.length > 1 ? args[1] : kwargs.boolean);
  try {
    const value = evaluate(expr.operand, vars);
    return onFalsy && !truthy(value) ? fallback : value;
  } catch (err) {
    if (err instanceof UndefinedVariableError) return fallback;
    throw err;
  }
}

function binary(op: string, leftExpr: Expr, rightExpr: Expr, vars: Vars): unknown {
  const left = evaluate(leftExpr, vars);
  // and / or short-circuit and return an operand, as in Python: `x or 'fallback'`.
  if (op === 'and') return truthy(left) ? evaluate(rightExpr, vars) : left;
  if (op === 'or') return truthy(left) ? left : evaluate(rightExpr, vars);
  const right = evaluate(rightExpr, vars);
  switch (op) {
    case '==':
      return deepEqual(left, right);
    case '!=':
      return !deepEqual(left, right);
    case 'in':
      return contains(right, left);
    case 'not in':
      return !contains(right, left);
    case '~':
      return toText(left) + toText(right);
    case '<':
    case '>':
    case '<=':
    case '>=':
      return order(op, left, right);
    case '+':
      if (typeof left === 'string' && typeof right === 'string') return left + right;
      if (Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
      return arithmetic(op, left, right);
    default:
      return arithmetic(op, left, right);
  }
}

function order(op: string, a: unknown, b: unknown): boolean {
  const [na, nb] = [numberOf(a), numberOf(b)];
  const numbers = na !== undefined && nb !== undefined;
  if (!numbers && !(typeof a === 'string' && typeof b === 'string')) throw new TemplateEvaluationError(`cannot compare ${typeName(a)} ${op} ${typeName(b)}`);
  const x = numbers ? na : (a as string);
  const y = numbers ? nb : (b as string);
  return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
}

/** Python arithmetic: `/` is always a float, other operators give a float when either side is one. */
function arithmetic(op: string, a: unknown, b: unknown): number | PyFloat | string {
  if (op === '*' && typeof a === 'string' && Number.isInteger(b)) return a.repeat(Math.max(0, Math.min(b as number, 1e6)));
  const x = numberOf(a);
  const y = numberOf(b);
  if (x === undefined || y === undefined) {
    throw new TemplateEvaluationError(`cannot compute ${typeName(a)} ${op} ${typeName(b)}`);
  }
  if ((op === '/' || op === '//' || op === '%') && y === 0) throw new TemplateEvaluationError('division by zero');
  const float = op === '/' || isFloat(a) || isFloat(b);
  let n: number;
  switch (op) {
    case '+':
      n = x + y;
      break;
    case '-':
      n = x - y;
      break;
    case '*':
      n = x * y;
      break;
    case '/':
      n = x / y;
      break;
    case '//':
      n = Math.floor(x / y);
      break;
    case '**':
      n = x ** y;
      break;
    default:
      // Python's modulo takes the sign of the divisor.
      n = ((x % y) + y) % y;
  }
  return float ? pyFloat(n) : n;
}
