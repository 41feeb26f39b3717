/**
 * Tokens of the expression language. In template mode the lexer starts right after `{{`
 * and stops at the first `}}` outside brackets, so `{{ {'a': {'b': 1}} }}` works as in
 * Jinja: a `}}` that closes a dict literal is two braces, not the end of the expression.
 */
import { TemplateSyntaxError } from './errors.ts';

export type TokenType = 'name' | 'string' | 'number' | 'op' | 'end';

export interface Token {
  type: TokenType;
  /** Name text, operator text, decoded string, or the number. */
  value: string | number;
  /** Offset in the whole template text (0-based). */
  offset: number;
}

export interface LexResult {
  tokens: Token[];
  /** Offset just past the closing `}}` (template mode) or the text length (expression mode). */
  end: number;
}

// Longest first, so `//` wins over `/` and `<=` over `<`.
const OPERATORS = ['//', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '='];
const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };

export function syntaxError(text: string, offset: number, message: string): TemplateSyntaxError {
  return new TemplateSyntaxError(`${message} at column ${offset + 1} of ${JSON.stringify(text)}`);
}

export function lex(text: string, start: number, mode: 'template' | 'expression'): LexResult {
  const tokens: Token[] = [];
  const open: string[] = [];
  let i = start;
  for (;;) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) {
      if (mode === 'template') throw syntaxError(text, start - 2, 'unclosed "{{"');
      if (open.length) throw syntaxError(text, i, `missing "${OPENERS[open[open.length - 1]]}"`);
      tokens.push({ type: 'end', value: '', offset: i });
      return { tokens, end: i };
    }
    const c = text[i];
    if (mode === 'template' && !open.length && text.startsWith('}}', i)) {
      tokens.push({ type: 'end', value: '', offset: i });
      return { tokens, end: i + 2 };
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ type: 'name', value: m[0], offset: i });
      i += m[0].length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      // After a dot only an integer can follow: `items.0.name` is index 0, not the float 0.
      const afterDot = tokens.length > 0 && tokens[tokens.length - 1].value === '.' && tokens[tokens.length - 1].type === 'op';
      const m = (afterDot ? /^[0-9]+/ : /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/).exec(text.slice(i))!;
      tokens.push({ type: 'number', value: Number(m[0]), offset: i });
      i += m[0].length;
      if (/[A-Za-z_]/.test(text[i] ?? '')) throw syntaxError(text, i, 'unexpected character after a number');
      continue;
    }
    if (c === "'" || c === '"') {
      const { value, next } = readString(text, i);
      tokens.push({ type: 'string', value, offset: i });
      i = next;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw syntaxError(text, i, `unexpected character ${JSON.stringify(c)}`);
    if (op in OPENERS) open.push(op);
    else if (op === ')' || op === ']' || op === '}') {
      const last = open.pop();
      if (!last) throw syntaxError(text, i, `unbalanced "${op}"`);
      if (OPENERS[last] !== op) throw syntaxError(text, i, `expected "${OPENERS[last]}", got "${op}"`);
    }
    tokens.push({ type: 'op', value: op, offset: i });
    i += op.length;
  }
}

function readString(text: string, start: number): { value: string; next: number } {
  const quote = text[start];
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === quote) return { value: out, next: i + 1 };
    if (c === '\\' && i + 1 < text.length) {
      const e = text[i + 1];
      if (e in ESCAPES) {
        out += ESCAPES[e];
        i += 2;
        continue;
      }
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      // Unknown escapes keep their backslash, as in Python: '\d' stays \d.
      out += c + e;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  throw syntaxError(text, start, 'unterminated string');
}
