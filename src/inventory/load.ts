/**
 * Loads an Ansible YAML inventory. Every problem — YAML syntax, wrong variable types,
 * shape mistakes, group cycles — is collected and thrown together as one ValidationError,
 * positioned file:line:column, before any host is touched. What Ansible only warns about
 * (duplicate keys, unknown group keys, a host and a group of one name) is kept in
 * `warnings`, positioned the same way, and never hides an error.
 */
import type { ValidateFunction } from 'ajv';
import { formatDiagnostic, sortByPosition, ValidationError, type Diagnostic } from '../errors.ts';
import { schemaDiagnostics, validatorFor } from '../source/schema-check.ts';
import { loadYamlFile, parseYamlText, type YamlSource } from '../source/yaml-source.ts';
import { ALL, groupGraphDiagnostics, groupGraphWarnings, resolveInventory } from './groups.ts';
import { LOCALHOST_NAMES, selectHosts } from './patterns.ts';
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
  const warnings = sortByPosition([...source.warnings, ...defs.warnings, ...groupGraphWarnings(defs)]);
  if (diagnostics.length) throw new ValidationError(diagnostics, warnings);

  const resolved = resolveInventory(defs, source.file);
  const allVars = defs.groups.get(ALL)?.vars ?? {};
  return makeInventory(source.file, resolved.hosts, resolved.groups, { warnings, allVars });
}

export function makeInventory(
  file: string,
  hosts: InventoryHost[],
  groups: Record<string, string[]>,
  extra: { warnings?: Diagnostic[]; allVars?: Record<string, unknown> } = {},
): Inventory {
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const warnings = [...(extra.warnings ?? [])];
  const scope = { hosts: hosts.map((h) => h.name), groups, warn: (message: string) => warnings.push({ file, message }), implicitLocalhost: {} };
  const implicit = new Map<string, InventoryHost>();
  return {
    file,
    hosts,
    groups,
    warnings,
    host: (name) => byName.get(name) ?? implicitLocalhost(name, file, extra.allVars ?? {}, implicit),
    select: (pattern) => selectHosts(pattern, scope),
  };
}

/**
 * Ansible's implicit localhost (ansible-core 2.14 lib/ansible/inventory/data.py,
 * _create_implicit_localhost): a host not in the inventory, in no group, that connects
 * locally and sees the variables of `all`.
 */
function implicitLocalhost(name: string, file: string, allVars: Record<string, unknown>, made: Map<string, InventoryHost>): InventoryHost | undefined {
  if (!LOCALHOST_NAMES.includes(name)) return undefined;
  let host = made.get(name);
  if (!host) {
    host = { name, vars: { ...allVars, ansible_connection: 'local' }, groups: [], position: { file, line: 1, col: 1 }, implicit: true };
    made.set(name, host);
  }
  return host;
}

/** `[WARNING]: file:line:col: message` lines on stderr, as Ansible prints its warnings. */
export function printWarnings(warnings: readonly Diagnostic[], err: NodeJS.WritableStream = process.stderr): void {
  for (const w of warnings) err.write(`[WARNING]: ${formatDiagnostic(w)}\n`);
}
