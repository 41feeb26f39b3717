/**
 * The `{{ expr }}` template language of playbooks: a safe, Jinja-flavoured expression
 * language with no access to JavaScript (no eval, no calls, no prototypes). Strings are
 * rendered per host at run time; templateSyntaxErrors checks them at load time.
 */
import type { Condition } from '../playbook/types.ts';
import { evaluate } from './eval.ts';
import { lex } from './lexer.ts';
import type { Expr } from './ast.ts';
import { parseTokens } from './parser.ts';
import { isPlainObject, objectFrom, toText, truthy, withinSizeLimit } from './values.ts';
import { TemplateError, TemplateSyntaxError } from './errors.ts';

export { TemplateError, TemplateEvaluationError, TemplateSyntaxError, UndefinedVariableError } from './errors.ts';

type Vars = Record<string, unknown>;
type Part = string | Expr;

// Templates repeat across hosts and tasks; parse each text once.
const cache = new Map<string, Part[]>();
const CACHE_LIMIT = 5000;

function parseTemplate(text: string): Part[] {
  const hit = cache.get(text);
  if (hit) return hit;
  const parts: Part[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    const block = text.indexOf('{%', i);
    if (block !== -1 && (open === -1 || block < open)) {
      throw new TemplateSyntaxError(
        `control blocks ("{%") are not supported, only {{ expressions }} at column ${block + 1} of ${JSON.stringify(text)}`,
      );
    }
    if (open === -1) {
      parts.push(text.slice(i));
      break;
    }
    if (open > i) parts.push(text.slice(i, open));
    const { tokens, end } = lex(text, open + 2, 'template');
    parts.push(parseTokens(text, tokens));
    i = end;
  }
  remember(text, parts);
  return parts;
}

function remember(key: string, parts: Part[]): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, parts);
}

function parseExpression(expr: string): Expr {
  const key = `\0expr\0${expr}`;
  const hit = cache.get(key);
  if (hit) return hit[0] as Expr;
  const parsed = parseTokens(expr, lex(expr, 0, 'expression').tokens);
  remember(key, [parsed]);
  return parsed;
}

/** The single expression of `"  {{ expr }}  "`, or undefined when there is other text. */
function soleExpression(parts: Part[]): Expr | undefined {
  const exprs = parts.filter((p) => typeof p !== 'string');
  const textIsBlank = parts.every((p) => typeof p !== 'string' || p.trim() === '');
  return exprs.length === 1 && textIsBlank ? (exprs[0] as Expr) : undefined;
}

function interpolate(parts: Part[], vars: Vars): string {
  return withinSizeLimit(parts.map((p) => (typeof p === 'string' ? p : toText(evaluate(p, vars)))).join(''));
}

/**
 * Render every string inside `value` (object keys too). A string that is exactly one
 * `{{ expr }}` keeps the expression's type (list, number, bool, mapping); any other
 * string becomes text, with non-string values written as JSON.
 */
export function renderValue(value: unknown, vars: Vars): unknown {
  if (typeof value === 'string') {
    if (!value.includes('{')) return value;
    const parts = parseTemplate(value);
    const sole = soleExpression(parts);
    return sole ? evaluate(sole, vars) : interpolate(parts, vars);
  }
  if (Array.isArray(value)) return value.map((item) => renderValue(item, vars));
  if (isPlainObject(value)) {
    return objectFrom(Object.entries(value).map(([k, v]) => [toText(renderValue(k, vars)), renderValue(v, vars)] as const));
  }
  return value;
}

/** Render a multi-line text (a manifest, a config file): `{{ expr }}` substitution only. */
export function renderString(text: string, vars: Vars): string {
  return interpolate(parseTemplate(text), vars);
}

/** Evaluate a bare expression (no braces), e.g. debug's `var` or assert's `that`. */
export function evaluateExpression(expr: string, vars: Vars): unknown {
  return evaluate(parseExpression(expr), vars);
}

/** `{{ x }}` around a condition is tolerated, as Ansible does; the inside is the expression. */
function conditionExpression(cond: string): Expr {
  const trimmed = cond.trim();
  if (trimmed.startsWith('{{')) {
    const parts = parseTemplate(trimmed);
    const sole = soleExpression(parts);
    if (!sole) {
      throw new TemplateSyntaxError(`a condition is one expression; do not mix {{ }} with other text: ${JSON.stringify(cond)}`);
    }
    return sole;
  }
  return parseExpression(cond);
}

/** `when`, `until`, `failed_when`, `changed_when`: a string, a boolean, or a list meaning all true. */
export function evaluateCondition(cond: Condition, vars: Vars): boolean {
  if (typeof cond === 'boolean') return cond;
  if (Array.isArray(cond)) return cond.every((c) => evaluateCondition(c, vars));
  return truthy(evaluate(conditionExpression(cond), vars));
}

/** Every syntax problem in the strings of `value` (keys included), without evaluating anything. */
export function templateSyntaxErrors(value: unknown): string[] {
  const errors: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('{')) collect(errors, () => parseTemplate(v));
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (isPlainObject(v)) {
      for (const [k, item] of Object.entries(v)) {
        visit(k);
        visit(item);
      }
    }
  };
  visit(value);
  return errors;
}

/** Syntax problems of a condition (or a list of them), checked as evaluateCondition would parse it. */
export function conditionSyntaxErrors(cond: unknown): string[] {
  const errors: string[] = [];
  const visit = (c: unknown): void => {
    if (typeof c === 'string') collect(errors, () => conditionExpression(c));
    else if (Array.isArray(c)) c.forEach(visit);
  };
  visit(cond);
  return errors;
}

function collect(errors: string[], parse: () => unknown): void {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    errors.push(err.message);
  }
}
