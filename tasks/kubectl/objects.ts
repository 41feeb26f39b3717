/**
 * kubectl's JSON output, parsed: one object, a List of them, or nothing at all
 * (`--ignore-not-found` with nothing found). Pure; tested from recorded output.
 */
import { stringify } from 'yaml';
import { TaskError } from '../../src/errors.ts';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    generation?: number;
    labels?: Record<string, string>;
    [key: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every object in kubectl's `-o json` output, in order. kubectl prints one object for a
 * single result and a `List` for several; `get -f` prints a List even for one. Several
 * JSON documents one after another (older kubectl with `-f` of many files) are read too.
 */
export function parseKubectlObjects(stdout: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of jsonDocuments(stdout)) {
    if (!isObject(doc)) throw new TaskError(`kubectl printed JSON that is not an object: ${JSON.stringify(doc).slice(0, 120)}`);
    if (Array.isArray(doc.items) && (doc.kind === 'List' || String(doc.kind ?? '').endsWith('List'))) {
      for (const item of doc.items) if (isObject(item)) out.push(item as KubeObject);
    } else {
      out.push(doc as KubeObject);
    }
  }
  return out;
}

/** Splits concatenated JSON values (kubectl separates them with newlines only). */
function jsonDocuments(text: string): unknown[] {
  const docs: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) docs.push(parseJson(text.slice(start, i + 1)));
    } else if (depth === 0 && !/\s/.test(c)) {
      throw new TaskError(`kubectl printed something that is not JSON: ${text.trim().slice(0, 160)}`);
    }
  }
  if (depth !== 0) throw new TaskError(`kubectl's JSON output is cut short: ${text.trim().slice(-120)}`);
  return docs;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TaskError(`cannot parse kubectl's JSON output: ${(err as Error).message}`);
  }
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export const apiGroup = (apiVersion: string | undefined): string => {
  const slash = (apiVersion ?? '').indexOf('/');
  return slash < 0 ? '' : (apiVersion ?? '').slice(0, slash);
};

/** Identity of an object across API versions: group, kind, namespace, name. */
export function objectKey(o: KubeObject): string {
  return [apiGroup(o.apiVersion), o.kind ?? '', o.metadata?.namespace ?? '', o.metadata?.name ?? ''].join('|');
}

/** How kubectl names an object in its messages: `daemonset.apps/kube-multus-ds`. */
export function objectRef(o: KubeObject): string {
  const group = apiGroup(o.apiVersion);
  return `${(o.kind ?? 'object').toLowerCase()}${group ? `.${group}` : ''}/${o.metadata?.name ?? ''}`;
}

/** Fields the server maintains; two objects equal without them are the same configuration. */
const SERVER_METADATA = ['resourceVersion', 'managedFields', 'generation', 'creationTimestamp', 'uid', 'selfLink'];

export function normalizeObject(o: KubeObject): KubeObject {
  const { status: _status, ...rest } = o;
  const metadata = { ...(o.metadata ?? {}) };
  for (const key of SERVER_METADATA) delete metadata[key];
  return { ...rest, metadata };
}

/** Deep equality of JSON values, ignoring the order of object keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
}

/** Objects as YAML documents for a diff (normalized: what the server maintains is left out). */
export function objectsYaml(objects: KubeObject[]): string {
  return objects.map((o) => stringify(normalizeObject(o), { sortMapEntries: true })).join('---\n');
}
