/**
 * Recursive-descent parser of the expression language, with Jinja's precedence (lowest
 * first): `a if c else b`, or, and, not, comparisons / in / not in, + -, ~, * / // %,
 * unary - +, then postfix `.name` / `[i]` / `[a:b]`, filters `| f(...)` and tests `is t`.
 * The parser knows every filter and test name so that a typo is a load-time error.
 */
import { syntaxError, type Token } from './lexer.ts';
import type { Expr } from './ast.ts';
import { FILTER_NAMES, TEST_NAMES } from './catalog.ts';
import { pyFloat } from './python.ts';

const LITERAL_NAMES: Record<string, unknown> = {
  true: true, True: true, false: false, False: false, none: null, None: null, null: null,
};
const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);
// Deep nesting would overflow the JS stack; no real template comes near this.
const MAX_DEPTH = 64;

export function parseTokens(text: string, tokens: Token[]): Expr {
  return new Parser(text, tokens).parseAll();
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string, private readonly tokens: Token[]) {}

  parseAll(): Expr {
    if (this.peek().type === 'end') throw this.error('empty expression');
    const expr = this.expression();
    if (this.peek().type !== 'end') throw this.error(`unexpected ${describe(this.peek())}, expected an operator or the end of the expression`);
    return expr;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
  }
  private next(): Token {
    return this.tokens[this.pos++];
  }
  private isOp(value: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.type === 'op' && t.value === value;
  }
  private isName(value: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.type === 'name' && t.value === value;
  }
  private expectOp(value: string): void {
    if (!this.isOp(value)) throw this.error(`expected "${value}", got ${describe(this.peek())}`);
    this.pos++;
  }
  private error(message: string, token = this.peek()) {
    return syntaxError(this.text, token.offset, message);
  }

  private expression(): Expr {
    if (++this.depth > MAX_DEPTH) throw this.error('expression nested too deeply');
    try {
      return this.ternary();
    } finally {
      this.depth--;
    }
  }

  private ternary(): Expr {
    const then = this.or();
    if (!this.isName('if')) return then;
    this.pos++;
    const test = this.or();
    if (!this.isName('else')) throw this.error(`expected "else", got ${describe(this.peek())}`);
    this.pos++;
    return { kind: 'ternary', test, then, otherwise: this.ternary() };
  }

  private or(): Expr {
    let left = this.and();
    while (this.isName('or')) {
      this.pos++;
      left = { kind: 'binary', op: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isName('and')) {
      this.pos++;
      left = { kind: 'binary', op: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    if (this.isName('not')) {
      this.pos++;
      return { kind: 'unary', op: 'not', operand: this.not() };
    }
    return this.compare();
  }

  /** `a < b < c` means `a < b and b < c`, as in Python and Jinja. */
  private compare(): Expr {
    const first = this.additive();
    let left = first;
    let result: Expr | undefined;
    for (;;) {
      let op: string;
      const t = this.peek();
      if (t.type === 'op' && COMPARISONS.has(t.value as string)) op = t.value as string;
      else if (this.isName('in')) op = 'in';
      else if (this.isName('not') && this.isName('in', 1)) op = 'not in';
      else break;
      this.pos += op === 'not in' ? 2 : 1;
      const right = this.additive();
      const step: Expr = { kind: 'binary', op, left, right };
      result = result ? { kind: 'binary', op: 'and', left: result, right: step } : step;
      left = right;
    }
    return result ?? first;
  }

  private additive(): Expr {
    let left = this.concat();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().value as string;
      left = { kind: 'binary', op, left, right: this.concat() };
    }
    return left;
  }

  private concat(): Expr {
    let left = this.multiplicative();
    while (this.isOp('~')) {
      this.pos++;
      left = { kind: 'binary', op: '~', left, right: this.multiplicative() };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary(true);
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.next().value as string;
      left = { kind: 'binary', op, left, right: this.unary(true) };
    }
    return left;
  }

  /** As in Jinja, `-x | abs` filters the negated value: filters bind after unary minus. */
  private unary(withFilters: boolean): Expr {
    let node: Expr;
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.next().value as '-' | '+';
      node = { kind: 'unary', op, operand: this.unary(false) };
    } else {
      node = this.postfix(this.primary());
    }
    return withFilters ? this.filtersAndTests(node) : node;
  }

  private primary(): Expr {
    const t = this.next();
    if (t.type === 'number') return { kind: 'literal', value: t.float ? pyFloat(t.value as number) : t.value };
    if (t.type === 'string') {
      let value = t.value as string;
      // Adjacent string literals concatenate, as in Python.
      while (this.peek().type === 'string') value += this.next().value as string;
      return { kind: 'literal', value };
    }
    if (t.type === 'name') {
      const name = t.value as string;
      if (Object.prototype.hasOwnProperty.call(LITERAL_NAMES, name)) return { kind: 'literal', value: LITERAL_NAMES[name] };
      if (['and', 'or', 'not', 'in', 'is', 'if', 'else'].includes(name)) throw this.error(`unexpected "${name}"`, t);
      return { kind: 'name', name };
    }
    if (t.type === 'op' && t.value === '(') {
      const first = this.expression();
      if (!this.isOp(',')) {
        this.expectOp(')');
        return first;
      }
      // A tuple: treated as a list.
      this.pos++;
      const items = [first, ...this.sequence(')')];
      return { kind: 'list', items };
    }
    if (t.type === 'op' && t.value === '[') return { kind: 'list', items: this.sequence(']') };
    if (t.type === 'op' && t.value === '{') return this.dict();
    throw this.error(`unexpected ${describe(t)}`, t);
  }

  /** Items after an opener, up to `close`; a trailing comma is allowed. */
  private sequence(close: string): Expr[] {
    const items: Expr[] = [];
    while (!this.isOp(close)) {
      items.push(this.expression());
      if (!this.isOp(',')) break;
      this.pos++;
    }
    this.expectOp(close);
    return items;
  }

  private dict(): Expr {
    const entries: Array<[Expr, Expr]> = [];
    while (!this.isOp('}')) {
      const key = this.expression();
      this.expectOp(':');
      entries.push([key, this.expression()]);
      if (!this.isOp(',')) break;
      this.pos++;
    }
    this.expectOp('}');
    return { kind: 'dict', entries };
  }

  private postfix(node: Expr): Expr {
    for (;;) {
      if (this.isOp('.')) {
        this.pos++;
        const t = this.next();
        if (t.type !== 'name' && t.type !== 'number') throw this.error(`expected a name after ".", got ${describe(t)}`, t);
        node = { kind: 'attr', object: node, key: t.value };
      } else if (this.isOp('[')) {
        this.pos++;
        node = this.subscript(node);
      } else if (this.isOp('(')) {
        throw this.error('calls are not supported; use a filter, e.g. "x | lower" instead of "x.lower()"');
      } else {
        return node;
      }
    }
  }

  private subscript(object: Expr): Expr {
    const start = this.isOp(':') ? undefined : this.expression();
    if (!this.isOp(':')) {
      this.expectOp(']');
      return { kind: 'index', object, index: start! };
    }
    this.pos++;
    const stop = this.isOp(']') ? undefined : this.expression();
    this.expectOp(']');
    return { kind: 'slice', object, start, stop };
  }

  private filtersAndTests(node: Expr): Expr {
    for (;;) {
      if (this.isOp('|')) {
        this.pos++;
        node = this.filter(node);
      } else if (this.isName('is')) {
        this.pos++;
        node = this.test(node);
      } else {
        return node;
      }
    }
  }

  private qualifiedName(): { name: string; token: Token } {
    const token = this.next();
    if (token.type !== 'name') throw this.error(`expected a filter or test name, got ${describe(token)}`, token);
    let name = token.value as string;
    while (this.isOp('.') && this.peek(1).type === 'name') {
      name += '.' + (this.peek(1).value as string);
      this.pos += 2;
    }
    // Ansible's collection prefix: `ansible.builtin.to_json` is `to_json`.
    return { name: name.replace(/^ansible\.builtin\./, ''), token };
  }

  private filter(operand: Expr): Expr {
    const { name, token } = this.qualifiedName();
    if (!FILTER_NAMES.has(name)) throw this.error(`unknown filter "${name}"`, token);
    const args: Expr[] = [];
    const kwargs: Record<string, Expr> = {};
    if (this.isOp('(')) {
      this.pos++;
      while (!this.isOp(')')) {
        if (this.peek().type === 'name' && this.isOp('=', 1)) {
          const key = this.next().value as string;
          this.pos++;
          Object.defineProperty(kwargs, key, { value: this.expression(), enumerable: true });
        } else {
          if (Object.keys(kwargs).length) throw this.error('positional argument after a keyword argument');
          args.push(this.expression());
        }
        if (!this.isOp(',')) break;
        this.pos++;
      }
      this.expectOp(')');
    }
    return { kind: 'filter', operand, name, args, kwargs };
  }

  private test(operand: Expr): Expr {
    let negated = false;
    if (this.isName('not')) {
      this.pos++;
      negated = true;
    }
    const { name, token } = this.qualifiedName();
    if (!TEST_NAMES.has(name)) throw this.error(`unknown test "${name}"`, token);
    const args: Expr[] = [];
    if (this.isOp('(')) {
      this.pos++;
      args.push(...this.sequence(')'));
    }
    return { kind: 'test', operand, name, negated, args };
  }
}

function describe(t: Token): string {
  if (t.type === 'end') return 'end of expression';
  if (t.type === 'string') return `string ${JSON.stringify(t.value)}`;
  return `"${t.value}"`;
}
