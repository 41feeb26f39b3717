/**
 * The variables a task sees on one host. Layers are merged in Ansible's precedence order
 * (inventory < play vars < facts and registered results < task vars < extra vars). Values
 * that are templates themselves ("{{ k3s_data_dir }}/data/cni") are rendered lazily, on
 * first access, so a variable may refer to another defined in any layer.
 *
 * Only the inventory, the playbook and the command line are templates. Registered results,
 * module facts and set_fact values (already rendered once, when their task ran) are data:
 * they carry what a node said, and a node that answers `{{ hostvars[...].ansible_become_password }}`
 * must get that text back, never another host's password (Ansible marks such values unsafe).
 */
import { renderValue } from '../template/index.ts';

export type Vars = Record<string, unknown>;

export class VariableCycleError extends Error {
  constructor(readonly variable: string) {
    super(`variable ${variable} refers to itself`);
  }
}

const dataLayers = new WeakSet<Vars>();

/** Marks a layer whose values are data, never rendered as templates (facts, registered results). */
export function dataLayer(vars: Vars): Vars {
  dataLayers.add(vars);
  return vars;
}

/**
 * Build a plain object whose own properties are the merged variables. Template-bearing
 * values of template layers are accessor properties that render against the whole scope
 * when read; values from a data layer are taken as they are.
 */
export function buildScope(layers: Vars[], magic: Vars = {}): Vars {
  const merged: Vars = {};
  const fromData = new Set<string>();
  for (const layer of layers) {
    const data = dataLayers.has(layer);
    for (const [name, value] of Object.entries(layer)) {
      merged[name] = value;
      if (data) fromData.add(name);
      else fromData.delete(name);
    }
  }
  const scope: Vars = {};
  const resolving = new Set<string>();
  for (const [name, raw] of Object.entries(merged)) {
    if (fromData.has(name) || !containsTemplate(raw)) {
      scope[name] = raw;
      continue;
    }
    let cached: { value: unknown } | undefined;
    Object.defineProperty(scope, name, {
      enumerable: true,
      configurable: true,
      get() {
        if (cached) return cached.value;
        if (resolving.has(name)) throw new VariableCycleError(name);
        resolving.add(name);
        try {
          cached = { value: renderValue(raw, scope) };
          return cached.value;
        } finally {
          resolving.delete(name);
        }
      },
    });
  }
  for (const [name, value] of Object.entries(magic)) {
    if (!Object.prototype.hasOwnProperty.call(scope, name)) scope[name] = value;
  }
  return scope;
}

export function containsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (value && typeof value === 'object') return Object.values(value).some(containsTemplate);
  return false;
}

/** An object whose properties are computed on first read (hostvars: one scope per host). */
export function lazyRecord(names: string[], compute: (name: string) => unknown): Vars {
  const record: Vars = {};
  for (const name of names) {
    let cached: { value: unknown } | undefined;
    Object.defineProperty(record, name, {
      enumerable: true,
      get() {
        cached ??= { value: compute(name) };
        return cached.value;
      },
    });
  }
  return record;
}
