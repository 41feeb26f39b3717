/**
 * YAML with source positions. Inventory and playbooks are both loaded through here so
 * that every problem — syntax, schema — is reported as file:line:column, and read as
 * Ansible reads them: YAML 1.1 (see yaml-11.ts), and a duplicate key is a warning, the
 * last value winning (ansible-core 2.14 lib/ansible/parsing/yaml/constructor.py,
 * construct_mapping: "found a duplicate dict key ... Using last defined value only").
 */
import { readFileSync } from 'node:fs';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { Diagnostic, SourcePosition } from '../errors.ts';
import { pyyamlTags } from './yaml-11.ts';

export type YamlPath = ReadonlyArray<string | number>;

export interface YamlSource {
  file: string;
  /** The plain JS value (undefined when the file did not parse). */
  value: unknown;
  /** Syntax errors; empty when the file is well-formed. */
  diagnostics: Diagnostic[];
  /** Duplicate keys: Ansible warns and keeps the last value; so does this. */
  warnings: Diagnostic[];
  /** Where the value at `path` starts; `key: true` points at the map key instead of the value. */
  positionOf(path: YamlPath, options?: { key?: boolean }): SourcePosition;
}

export function loadYamlFile(file: string): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return {
      file,
      value: undefined,
      diagnostics: [{ file, message: `cannot read: ${reason}` }],
      warnings: [],
      positionOf: () => ({ file, line: 1, col: 1 }),
    };
  }
  return parseYamlText(text, file);
}

export function parseYamlText(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    version: '1.1',
    customTags: pyyamlTags,
    merge: true,
    uniqueKeys: false,
    prettyErrors: false,
    strict: true,
  });
  const at = (offset: number): SourcePosition => {
    const p = lines.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  const diagnostics: Diagnostic[] = [...doc.errors, ...doc.warnings].map((e) => ({
    ...at(e.pos[0]),
    message: cleanYamlMessage(e.message),
  }));
  let value: unknown;
  if (!doc.errors.length) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      // The yaml library refuses a "billion laughs" document (aliases of aliases) as it
      // expands it; that is a mistake in the file, reported where the aliases are.
      if (!(err instanceof ReferenceError)) throw err;
      diagnostics.push({ ...at(firstAliasOffset(doc)), message: `${err.message} (more than ${MAX_ALIAS_COUNT} alias expansions)` });
    }
  }
  return {
    file,
    value,
    diagnostics,
    warnings: duplicateKeyWarnings(doc, at),
    positionOf: (path, options) => at(offsetOf(doc, path, options?.key ?? false)),
  };
}

/** Every key written twice in one mapping, at the later one (`<<` merge keys may repeat). */
function duplicateKeyWarnings(doc: Document, at: (offset: number) => SourcePosition): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  visit(doc, {
    Map(_key, node) {
      const first = new Map<string, number>();
      for (const pair of node.items) {
        if (!isScalar(pair.key) || pair.key.value === '<<') continue;
        const name = String(pair.key.value);
        const offset = pair.key.range?.[0] ?? 0;
        const earlier = first.get(name);
        if (earlier === undefined) first.set(name, offset);
        else {
          warnings.push({
            ...at(offset),
            message: `duplicate key "${name}" (first at line ${at(earlier).line}); the last value is used, as Ansible does`,
          });
        }
      }
    },
  });
  return warnings;
}

/** Aliases one anchor may expand to; the yaml library's own default. */
const MAX_ALIAS_COUNT = 100;

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node) && node.range) offset = node.range[0];
      return visit.BREAK;
    },
  });
  return offset;
}

/** The yaml library appends a code excerpt to messages; keep the first line only. */
function cleanYamlMessage(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** Walk the document along `path`; stop at the deepest node that exists. */
function offsetOf(doc: Document, path: YamlPath, wantKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      // The last of duplicate keys: its value is the one used.
      const pair = [...node.items].reverse().find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) return offset;
      if (last && wantKey) return rangeStart(pair.key) ?? offset;
      node = pair.value;
      // `key:` with no value: point at the key.
      offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
    } else if (isSeq(node)) {
      node = node.items[Number(step)];
      if (node === undefined) return offset;
      offset = rangeStart(node) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
