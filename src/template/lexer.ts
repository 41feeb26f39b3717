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
  /** A number written with a point or an exponent: a Python float (`2.0`, `1e3`). */
  float?: boolean;
}

export interface LexResult {
  tokens: Token[];
  /** Offset just past the closing `}}` (template mode) or the text length (expression mode). */
  end: number;
}

// Longest first, so `//` wins over `/` and `<=` over `<`.
const OPERATORS = ['//', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '~', '|', '.', ',', ':', '(', ')', '[', ']', '{', '}', '='];
const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
// Python's string escapes, which Jinja2 applies to its string literals (jinja2/lexer.py decodes
// them with "unicode-escape"). Octal (`\101`), `\xhh`, `\uhhhh` and `\Uhhhhhhhh` are read below.
const ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '',
};

export function syntaxError(text: string, offset: number, message: string): TemplateSyntaxError {
  return new TemplateSyntaxError(`${message} at column ${offset + 1} of ${JSON.stringify(text)}`);
}

/**
 * `mode` 'template' reads up to the closing `}}`. Ansible doubles every backslash in the string
 * literals of a `{{ }}` template before Jinja2 reads it (lib/ansible/template/__init__.py,
 * `_escape_backslashes`), so there a literal's backslashes are kept as written; a bare
 * expression (a `when` condition) is given to Jinja2 as it is, which decodes them.
 */
export function lex(text: string, start: number, mode: 'template' | 'expression' | 'raw-expression'): LexResult {
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
      tokens.push({ type: 'number', value: Number(m[0]), offset: i, ...(/[.eE]/.test(m[0]) ? { float: true } : {}) });
      i += m[0].length;
      if (/[A-Za-z_]/.test(text[i] ?? '')) throw syntaxError(text, i, 'unexpected character after a number');
      continue;
    }
    if (c === "'" || c === '"') {
      const { value, next } = readString(text, i, mode === 'expression');
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

function readString(text: string, start: number, decode: boolean): { value: string; next: number } {
  const quote = text[start];
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === quote) return { value: out, next: i + 1 };
    if (c === '\\' && i + 1 < text.length) {
      if (!decode) {
        // Kept as written; an escaped quote still does not end the literal.
        out += c + text[i + 1];
        i += 2;
        continue;
      }
      const [decoded, length] = escape(text, i + 1);
      out += decoded;
      i += 1 + length;
      continue;
    }
    out += c;
    i++;
  }
  throw syntaxError(text, start, 'unterminated string');
}

/** The escape after a backslash at `at`: its text and how many characters it took. Unknown ones keep the backslash, as in Python. */
function escape(text: string, at: number): [string, number] {
  const e = text[at];
  if (e in ESCAPES) return [ESCAPES[e], 1];
  const octal = /^[0-7]{1,3}/.exec(text.slice(at, at + 3));
  if (octal) return [String.fromCharCode(parseInt(octal[0], 8)), octal[0].length];
  const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
  const hex = text.slice(at + 1, at + 1 + width);
  if (width && hex.length === width && /^[0-9a-fA-F]+$/.test(hex)) {
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) throw syntaxError(text, at - 1, 'escape beyond Unicode');
    return [String.fromCodePoint(code), 1 + width];
  }
  if (width) throw syntaxError(text, at - 1, `truncated \\${e} escape`);
  return ['\\' + e, 1];
}
