/**
 * Reads the parsed YAML of an inventory into group and host definitions, in document
 * order, as Ansible's YAML inventory plugin does (ansible-core 2.14
 * lib/ansible/plugins/inventory/yaml.py, _parse_group): a group's keys in the order written
 * (so `children` written before `hosts` creates the children's hosts first), a host key
 * read as `host[:port]` with ranges (the port becomes ansible_port of a host created
 * there, before its own variables), a section written as a string meaning that one name,
 * and a key other than hosts/children/vars skipped with a warning. A group or host may be
 * written in several places (k3s-ansible inventories often are): their definitions merge.
 * Shape mistakes Ansible refuses (a list where a mapping belongs) get messages that name
 * the mistake; the walk goes on past them so that every problem in the file is reported
 * at once.
 */
import type { Diagnostic, SourcePosition } from '../errors.ts';
import { describeType } from '../source/schema-check.ts';
import type { YamlPath, YamlSource } from '../source/yaml-source.ts';
import { parseAddress } from './address.ts';
import { expandHostRange } from './host-ranges.ts';
import { GROUP_PRIORITY_VAR } from './known-vars.ts';

export interface GroupDef {
  name: string;
  /** Where the group's name first appears. */
  position: SourcePosition;
  /** Hosts listed directly under the group's `hosts`, in order. */
  hosts: string[];
  /** Direct child groups, with where each is named under `children` (for cycle reports). */
  children: Array<{ name: string; position: SourcePosition }>;
  vars: Record<string, unknown>;
  /** ansible_group_priority (default 1); not a variable of the hosts. */
  priority: number;
}

export interface HostDef {
  name: string;
  position: SourcePosition;
  /** Host variables, later definitions overriding earlier ones. */
  vars: Record<string, unknown>;
}

export interface InventoryDefs {
  /** Groups in order of first appearance. */
  groups: Map<string, GroupDef>;
  /** Hosts in order of first appearance. */
  hosts: Map<string, HostDef>;
  /**
   * Problems the JSON schema would also flag, but with a clearer message. The loader drops
   * the schema's diagnostic at the same place.
   */
  shapeDiagnostics: Diagnostic[];
  /** What Ansible warns about and goes on: unknown group keys, a range that names no host. */
  warnings: Diagnostic[];
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readInventoryDefs(source: YamlSource): InventoryDefs {
  const defs: InventoryDefs = { groups: new Map(), hosts: new Map(), shapeDiagnostics: [], warnings: [] };
  const complain = (path: YamlPath, message: string) =>
    defs.shapeDiagnostics.push({ ...source.positionOf(path), message });

  const group = (name: string, path: YamlPath): GroupDef => {
    let g = defs.groups.get(name);
    if (!g) {
      g = { name, position: source.positionOf(path, { key: true }), hosts: [], children: [], vars: {}, priority: 1 };
      defs.groups.set(name, g);
    }
    return g;
  };

  const readVars = (g: GroupDef, value: unknown, path: YamlPath) => {
    if (value === null || value === undefined) return;
    if (!isMapping(value)) {
      complain(path, `vars of group "${g.name}" must be a mapping of variable names, got ${describeType(value)}`);
      return;
    }
    for (const [key, v] of Object.entries(value)) {
      // Ansible keeps the priority on the group, not among the hosts' variables.
      if (key === GROUP_PRIORITY_VAR) {
        if (Number.isInteger(v)) g.priority = v as number;
      } else {
        g.vars[key] = v;
      }
    }
  };

  const readHosts = (g: GroupDef, value: unknown, path: YamlPath) => {
    if (value === null || value === undefined) return;
    if (!isMapping(value)) {
      complain(path, `hosts must be a mapping of host names, got ${describeType(value)}`);
      return;
    }
    for (const [key, hostVars] of Object.entries(value)) {
      const hostPath = [...path, key];
      if (hostVars !== null && hostVars !== undefined && !isMapping(hostVars)) {
        complain(
          hostPath,
          `host "${key}" must be a mapping of variables or empty, got ${describeType(hostVars)}` +
            (typeof hostVars === 'string' ? ' (for an address write ansible_host: …)' : ''),
        );
      }
      const address = parseAddress(key, true);
      const names = expandHostRange(address?.host ?? key);
      const keyPosition = source.positionOf(hostPath, { key: true });
      if (!Array.isArray(names)) {
        defs.shapeDiagnostics.push({ ...keyPosition, message: names.error });
        continue;
      }
      if (names.length === 0) defs.warnings.push({ ...keyPosition, message: `host range "${key}" names no host (its start is after its end)` });
      for (const name of names) {
        let h = defs.hosts.get(name);
        if (!h) {
          // Ansible's Host(name, port): the port of the key that creates the host.
          h = { name, position: keyPosition, vars: address?.port !== undefined ? { ansible_port: address.port } : {} };
          defs.hosts.set(name, h);
        }
        if (isMapping(hostVars)) Object.assign(h.vars, hostVars);
        if (!g.hosts.includes(name)) g.hosts.push(name);
      }
    }
  };

  const readChildren = (g: GroupDef, value: unknown, path: YamlPath) => {
    if (value === null || value === undefined) return;
    if (!isMapping(value)) {
      complain(path, `children must be a mapping of group names, got ${describeType(value)}`);
      return;
    }
    for (const [childName, childValue] of Object.entries(value)) {
      const childPath = [...path, childName];
      if (!g.children.some((c) => c.name === childName)) {
        g.children.push({ name: childName, position: source.positionOf(childPath, { key: true }) });
      }
      readGroup(childName, childValue, childPath);
    }
  };

  const readGroup = (name: string, value: unknown, path: YamlPath) => {
    const g = group(name, path);
    if (value === null || value === undefined) return;
    if (!isMapping(value)) {
      complain(path, `group "${name}" must be a mapping (hosts, children, vars) or empty, got ${describeType(value)}`);
      return;
    }
    // Document order, so that hosts keep the order in which the file lists them.
    for (const [key, raw] of Object.entries(value)) {
      const sectionPath = [...path, key];
      // `hosts: web1` is `hosts: {web1: }` to Ansible; so for children and vars.
      const v = typeof raw === 'string' && (key === 'hosts' || key === 'children') ? { [raw]: null } : raw;
      if (key === 'hosts') readHosts(g, v, sectionPath);
      else if (key === 'children') readChildren(g, v, sectionPath);
      else if (key === 'vars') readVars(g, v, sectionPath);
      else {
        defs.warnings.push({
          ...source.positionOf(sectionPath, { key: true }),
          message: `group "${name}": unknown key "${key}" skipped (only hosts, children and vars are read, as in Ansible)`,
        });
      }
    }
  };

  const top = source.value;
  if (top === null || top === undefined) {
    defs.shapeDiagnostics.push({ ...source.positionOf([]), message: 'inventory is empty: expected `all:` or group names at the top level' });
  } else if (!isMapping(top)) {
    complain([], `inventory must be a mapping of group names (all, …), got ${describeType(top)}`);
  } else {
    for (const [name, value] of Object.entries(top)) readGroup(name, value, [name]);
  }
  return defs;
}
