/**
 * Loads an Ansible YAML inventory. Every problem — YAML syntax, duplicate keys, wrong
 * variable types, shape mistakes, group cycles — is collected and thrown together as one
 * ValidationError, positioned file:line:column, before any host is touched.
 */
import type { ValidateFunction } from 'ajv';
import { sortByPosition, ValidationError, type Diagnostic } from '../errors.ts';
import { schemaDiagnostics, validatorFor } from '../source/schema-check.ts';
import { loadYamlFile, parseYamlText, type YamlSource } from '../source/yaml-source.ts';
import { groupGraphDiagnostics, resolveInventory } from './groups.ts';
import { selectHosts } from './patterns.ts';
import { inventorySchema } from './schema.ts';
import { readInventoryDefs } from './structure.ts';
import type { Inventory, InventoryHost } from './types.ts';

const validator = (): ValidateFunction => validatorFor(inventorySchema);

export function loadInventory(file: string): Inventory {
  return inventoryFromSource(loadYamlFile(file));
}

/** The same from YAML text (tests, stdin); `file` is only used in messages. */
export function parseInventory(text: string, file: string): Inventory {
  return inventoryFromSource(parseYamlText(text, file));
}

function inventoryFromSource(source: YamlSource): Inventory {
  if (source.diagnostics.length) throw new ValidationError(source.diagnostics);
  const defs = readInventoryDefs(source);
  const shape = defs.shapeDiagnostics;
  const clarified = new Set(shape.map((d) => `${d.line}:${d.col}`));
  const schema =
    source.value === null || source.value === undefined
      ? []
      : schemaDiagnostics(validator(), source.value, source).filter((d) => !clarified.has(`${d.line}:${d.col}`));
  const diagnostics = sortByPosition([...shape, ...schema, ...groupGraphDiagnostics(defs)]);
  if (diagnostics.length) throw new ValidationError(diagnostics);

  const resolved = resolveInventory(defs, source.file);
  return makeInventory(source.file, resolved.hosts, resolved.groups);
}

export function makeInventory(file: string, hosts: InventoryHost[], groups: Record<string, string[]>): Inventory {
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const scope = { hosts: hosts.map((h) => h.name), groups };
  return {
    file,
    hosts,
    groups,
    host: (name) => byName.get(name),
    select: (pattern) => selectHosts(pattern, scope),
  };
}
