/**
 * `-e` / `--extra-vars` as ansible-playbook reads it (ansible-core 2.14
 * lib/ansible/utils/vars.py, load_extra_vars): `@FILE` is a YAML (or JSON) file, a value
 * starting with `{` or `[` is YAML/JSON text, and anything else is `key=value` pairs split
 * as lib/ansible/parsing/splitter.py does (split_args, parse_kv): on blanks outside quotes
 * and `{{ }}` / `{% %}` / `{# #}` blocks, `\`-escapes decoded, the key ending at the first
 * `=` not escaped, and one pair of quotes around a whole value removed
 * (`q="hello world"` is `hello world`). key=value values stay strings, as in Ansible; later
 * `-e` replace earlier ones key by key. YAML is read as YAML 1.1, like every other input.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';
import { parseYamlText } from '../source/yaml-source.ts';

export function parseExtraVars(items: string[]): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const item of items) {
    if (!item) continue;
    if (item.startsWith('@')) Object.assign(vars, yamlMapping(readVarsFile(item), `-e ${item}`, `-e ${item}`, item.slice(1)));
    else if (item[0] === '/' || item[0] === '.') throw new UsageError(`-e ${item}: write -e @${item} for a file of variables`);
    else if (item[0] === '{' || item[0] === '[') Object.assign(vars, yamlMapping(item, '-e: invalid JSON or YAML', `-e ${item}`, '-e'));
    else Object.assign(vars, parseKeyValues(item));
  }
  return vars;
}

function readVarsFile(item: string): string {
  try {
    return readFileSync(item.slice(1), 'utf8');
  } catch (err) {
    throw new UsageError(`-e ${item}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

function yamlMapping(text: string, what: string, whose: string, file: string): Record<string, unknown> {
  const source = parseYamlText(text, file);
  if (source.diagnostics.length) {
    throw new UsageError(`${what}: ${source.diagnostics.map((d) => (d.line ? `${file}:${d.line}:${d.col}: ` : '') + d.message).join('; ')}`);
  }
  const value = source.value;
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${whose}: must hold a mapping of variables`);
  return value as Record<string, unknown>;
}

/** parse_kv: `a=1 q="hello world" msg='{{ x }} y'` → {a: '1', q: 'hello world', msg: '{{ x }} y'}. */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of splitArgs(text)) {
    const token = decodeEscapes(raw);
    let eq = -1;
    for (let i = 1; i < token.length; i++) {
      if (token[i] === '=' && token[i - 1] !== '\\') {
        eq = i;
        break;
      }
    }
    if (eq < 0) throw new UsageError(`-e: expected key=value, got "${raw}"`);
    out[token.slice(0, eq).trim()] = unquote(token.slice(eq + 1).trim());
  }
  return out;
}

/** split_args: blanks separate, except inside quotes or Jinja2 blocks; quotes are kept. */
function splitArgs(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const two = text.slice(i, i + 2);
    if (quote) {
      if (c === quote && text[i - 1] !== '\\') quote = undefined;
    } else if (c === '"' || c === "'") {
      if (text[i - 1] !== '\\') quote = c;
    } else if (two === '{{' || two === '{%' || two === '{#') {
      depth++;
      current += two;
      i++;
      continue;
    } else if (depth > 0 && (two === '}}' || two === '%}' || two === '#}')) {
      depth--;
      current += two;
      i++;
      continue;
    } else if (depth === 0 && /\s/.test(c)) {
      if (current) tokens.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  if (quote || depth > 0) throw new UsageError(`-e: unbalanced quotes or Jinja2 block in "${text}"`);
  if (current) tokens.push(current);
  return tokens;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"' };

/** splitter.py _decode_escapes: Python's backslash escapes (\n, \t, \xHH, \uHHHH, octal); others are kept. */
function decodeEscapes(s: string): string {
  return s.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{1,3}|[\\'"abfnrtv])/g, (_m, e: string) => {
    if (e[0] === 'U' || e[0] === 'u' || e[0] === 'x') return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    return ESCAPES[e];
  });
}

/** splitter.py unquote: one pair of matching quotes around the whole value. */
function unquote(v: string): string {
  const quoted = v.length > 1 && v[0] === v[v.length - 1] && (v[0] === '"' || v[0] === "'") && v[v.length - 2] !== '\\';
  return quoted ? v.slice(1, -1) : v;
}
