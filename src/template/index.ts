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
import { literalFromText } from './non-native.ts';
import { plainValue } from './python.ts';

export { TemplateError, TemplateEvaluationError, TemplateSyntaxError, UndefinedVariableError } from './errors.ts';

type Vars = Record<string, unknown>;
const STRING_TYPE_FILTERS = new Set(['string', 'to_json', 'to_nice_json', 'to_yaml', 'to_nice_yaml']);
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

/**
 * A bare expression. `strings` 'template' keeps backslashes in string literals as a `{{ }}`
 * template does (debug's `var`, which Ansible templates as `{{ var }}`); 'jinja' decodes
 * them, as Jinja2 reads a condition.
 */
function parseExpression(expr: string, strings: 'template' | 'jinja' = 'jinja'): Expr {
  const key = `\0${strings}\0${expr}`;
  const hit = cache.get(key);
  if (hit) return hit[0] as Expr;
  const parsed = parseTokens(expr, lex(expr, 0, strings === 'jinja' ? 'expression' : 'raw-expression').tokens);
  remember(key, [parsed]);
  return parsed;
}

/** The single expression of `"  {{ expr }}  "`, or undefined when there is other text. */
function soleExpression(parts: Part[]): Expr | undefined {
  const exprs = parts.filter((p) => typeof p !== 'string');
  const textIsBlank = parts.every((p) => typeof p !== 'string' || p.trim() === '');
  return exprs.length === 1 && textIsBlank ? (exprs[0] as Expr) : undefined;
}

/** Values inside text print as Python's str() does, except none, which prints as nothing (as Ansible shows it). */
function interpolate(parts: Part[], vars: Vars): string {
  return withinSizeLimit(
    parts
      .map((p) => {
        if (typeof p === 'string') return p;
        const v = evaluate(p, vars);
        return v === null ? '' : toText(v);
      })
      .join(''),
  );
}

/** One string rendered as Ansible's non-native templating renders it (see non-native.ts). */
function renderText(text: string, vars: Vars): unknown {
  const parts = parseTemplate(text);
  if (parts.every((p) => typeof p === 'string')) return text;
  const sole = soleExpression(parts);
  // A sole expression keeps its value's type; where Ansible 2.14 would give the text of a
  // number (`"{{ 1 + 1 }}"` is '2' there), the number is kept, which is what a module's
  // argument conversion makes of that text.
  const value = sole ? evaluate(sole, vars) : interpolate(parts, vars);
  // Filters whose text is wanted as text are not read back (Ansible's STRING_TYPE_FILTERS,
  // lib/ansible/config/base.yml): `"{{ x | to_json }}"` stays JSON text.
  const keepText = sole?.kind === 'filter' && STRING_TYPE_FILTERS.has(sole.name);
  return plainValue(typeof value === 'string' && !keepText ? literalFromText(value) : value);
}

/**
 * Render every string inside `value` (object keys too). A string that is exactly one
 * `{{ expr }}` keeps the expression's type (list, number, bool, mapping); any other
 * string becomes text, values written as Python writes them; text that reads as a
 * Python list, mapping or boolean becomes that value, as in Ansible.
 */
export function renderValue(value: unknown, vars: Vars): unknown {
  if (typeof value === 'string') {
    if (!value.includes('{')) return value;
    return renderText(value, vars);
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
  return plainValue(evaluate(parseExpression(expr, 'template'), vars));
}

/**
 * `when`, `until`, `failed_when`, `changed_when`: a string, a boolean, or a list meaning all true.
 * As lib/ansible/playbook/conditional.py (2.14) does, `{{ }}` inside a condition is rendered
 * first; text that comes out is then read as the expression (`when: "{{ x }}"` with x =
 * 'false' is the expression `false`), any other value counts by its truth.
 */
export function evaluateCondition(cond: Condition, vars: Vars): boolean {
  if (typeof cond === 'boolean') return cond;
  if (Array.isArray(cond)) return cond.every((c) => evaluateCondition(c, vars));
  if (!cond.includes('{{')) return truthy(evaluate(parseExpression(cond), vars));
  const rendered = renderText(cond, vars);
  if (typeof rendered !== 'string' || rendered.trim() === '') return truthy(rendered);
  return truthy(evaluate(parseExpression(rendered), vars));
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
    if (typeof c === 'string') collect(errors, () => (c.includes('{{') ? parseTemplate(c) : parseExpression(c)));
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
