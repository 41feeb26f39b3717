/**
 * Label and field selectors, parsed from the query string kubectl sends
 * (`-l app=multus`, `--field-selector spec.nodeName=node1`).
 */
import type { KubeObject } from './types.ts';
import { badRequest } from './status.ts';

type Requirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export type Matcher = (object: KubeObject) => boolean;

/** Split on commas that are not inside `( … )`, as `a in (x,y),b=c` needs. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(text: string): Requirement {
  const setMatch = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(text);
  if (setMatch) {
    const values = setMatch[3].split(',').map((v) => v.trim()).filter((v) => v !== '');
    return { key: setMatch[1], op: setMatch[2] as 'in' | 'notin', values };
  }
  const cmp = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (cmp) return { key: cmp[1], op: cmp[2] === '!=' ? 'neq' : 'eq', value: cmp[3] };
  if (/^![^\s=!]+$/.test(text)) return { key: text.slice(1), op: 'notexists' };
  if (/^[^\s=!()]+$/.test(text)) return { key: text, op: 'exists' };
  throw badRequest(`unable to parse requirement: ${JSON.stringify(text)}`);
}

function test(req: Requirement, value: string | undefined): boolean {
  switch (req.op) {
    case 'eq':
      return value === req.value;
    case 'neq':
      return value !== req.value;
    case 'in':
      return value !== undefined && req.values.includes(value);
    case 'notin':
      return value === undefined || !req.values.includes(value);
    case 'exists':
      return value !== undefined;
    case 'notexists':
      return value === undefined;
  }
}

export function labelMatcher(selector: string | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = splitTopLevel(selector).map(parseRequirement);
  return (object) => reqs.every((r) => test(r, object.metadata.labels?.[r.key]));
}

/** Read a dotted path such as `spec.nodeName` or `metadata.name` as the selector compares it. */
function fieldValue(object: KubeObject, path: string): string | undefined {
  let node: unknown = object;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  if (node === undefined || node === null) return '';
  return typeof node === 'object' ? JSON.stringify(node) : String(node);
}

/** Field selectors only support `=`, `==` and `!=`; a missing field compares as "". */
export function fieldMatcher(selector: string | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = splitTopLevel(selector).map((text) => {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(text);
    if (!m) throw badRequest(`invalid field selector: ${JSON.stringify(text)}`);
    return { path: m[1], negate: m[2] === '!=', value: m[3].trim() };
  });
  return (object) => reqs.every((r) => (fieldValue(object, r.path) === r.value) !== r.negate);
}
