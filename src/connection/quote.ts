/**
 * The one function that builds shell commands. Every remote command goes through
 * `sh` (or `quote` for a single word), never through string concatenation, so a path
 * or value with quotes, `$()`, backticks, newlines or globs stays one literal word.
 */

const SAFE_WORD = /^[A-Za-z0-9_\/.,:=@%+-]+$/;

/** A value the shell cannot carry, or one that has no single meaning as a word. */
export class ShellQuoteError extends TypeError {
  override name = 'ShellQuoteError';
}

/**
 * Quote one argument for a POSIX shell. Only strings and finite numbers are words: a NUL
 * byte would silently cut the remote script short (C strings end there), and `undefined`,
 * `[object Object]` or an empty list rendered as nothing are bugs, not arguments.
 */
export function quote(arg: string | number): string {
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) throw new ShellQuoteError(`shell argument is not a finite number: ${arg}`);
  } else if (typeof arg !== 'string') {
    throw new ShellQuoteError(`shell argument must be a string or a number, got ${describeValue(arg)}`);
  }
  const s = String(arg);
  if (s.includes('\0')) throw new ShellQuoteError(`shell argument contains a NUL byte: ${JSON.stringify(s)}`);
  if (s !== '' && SAFE_WORD.test(s)) return s;
  // Single quotes keep everything literal; a single quote itself is closed, escaped, reopened.
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Marks a string as already-built shell text, so `sh` inserts it unquoted. */
export class RawShell {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export const raw = (text: string): RawShell => new RawShell(text);

type ShellValue = string | number | RawShell | ReadonlyArray<string | number>;

/**
 * Tagged template: sh`mv -f ${tmp} ${dest}`. Interpolated strings and numbers are quoted,
 * arrays become several quoted words, RawShell values (from earlier sh calls) go in as is.
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): string {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return out;
}

/** Like sh, but returns RawShell so the result can be nested into another sh template. */
export function shRaw(strings: TemplateStringsArray, ...values: ShellValue[]): RawShell {
  return raw(sh(strings, ...values));
}

function render(value: ShellValue): string {
  if (value instanceof RawShell) {
    if (value.text.includes('\0')) throw new ShellQuoteError('shell text contains a NUL byte');
    return value.text;
  }
  if (Array.isArray(value)) {
    // An empty list would vanish from the command line and shift every later word.
    if (value.length === 0) throw new ShellQuoteError('shell argument is an empty list');
    return value.map((v) => quote(v)).join(' ');
  }
  return quote(value as string | number);
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}
