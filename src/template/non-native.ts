/**
 * Ansible's non-native templating (jinja2_native off, the default): a template renders to
 * text, and text that looks like a Python list, mapping or boolean becomes that value.
 * After lib/ansible/template/native_helpers.py (`ansible_eval_concat`, ansible-core 2.14):
 * text starting with `{` or `[`, or exactly `True` / `False`, goes through Python's
 * `ast.literal_eval` (with JSON's `true` / `false` / `null` read as names for those values);
 * text that is not a literal stays text. Only literals are read: no name is looked up and
 * nothing is evaluated, so data that looks like code stays data.
 */
import type { Expr } from './ast.ts';
import { TemplateError } from './errors.ts';
import { lex } from './lexer.ts';
import { parseTokens } from './parser.ts';
import { isNumeric, numberOf, pyFloat } from './python.ts';
import { objectFrom } from './values.ts';

const NOT_LITERAL = Symbol('not a literal');

export function literalFromText(text: string): unknown {
  if (text === 'True') return true;
  if (text === 'False') return false;
  if (!text.startsWith('{') && !text.startsWith('[')) return text;
  let expr: Expr;
  try {
    expr = parseTokens(text, lex(text, 0, 'expression').tokens);
  } catch (err) {
    if (err instanceof TemplateError) return text;
    throw err;
  }
  const value = literal(expr);
  return value === NOT_LITERAL ? text : value;
}

/** The value of a literal-only expression, or NOT_LITERAL (names, filters, operators, …). */
function literal(expr: Expr): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'list': {
      const items = expr.items.map(literal);
      return items.includes(NOT_LITERAL) ? NOT_LITERAL : items;
    }
    case 'dict': {
      const entries: Array<readonly [string, unknown]> = [];
      for (const [k, v] of expr.entries) {
        const key = literal(k);
        const value = literal(v);
        if (value === NOT_LITERAL || !(typeof key === 'string' || isNumeric(key) || typeof key === 'boolean')) return NOT_LITERAL;
        entries.push([String(numberOf(key) ?? key), value]);
      }
      return objectFrom(entries);
    }
    case 'unary': {
      const v = literal(expr.operand);
      if (expr.op === 'not' || !isNumeric(v)) return NOT_LITERAL;
      const n = numberOf(v)!;
      return typeof v === 'number' ? (expr.op === '-' ? -n : n) : pyFloat(expr.op === '-' ? -n : n);
    }
    default:
      return NOT_LITERAL;
  }
}
