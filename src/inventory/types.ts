/** The loaded inventory, as the engine and CLI use it. Built by src/inventory/load.ts. */
import type { Diagnostic, SourcePosition } from '../errors.ts';

export interface InventoryHost {
  /** inventory_hostname */
  name: string;
  /** Variables with Ansible precedence already applied: all < parent group < child group < host. */
  vars: Record<string, unknown>;
  /** Every group the host belongs to, directly or through children (`all` included). */
  groups: string[];
  position: SourcePosition;
  /** The implicit localhost: not in the inventory, in no group (Ansible's Host.implicit). */
  implicit?: boolean;
}

export interface Inventory {
  file: string;
  /** Hosts in the order the file creates them (the implicit localhost is not one of them). */
  hosts: InventoryHost[];
  /** Group name → its hosts (descendant groups included), in Ansible's group order. */
  groups: Record<string, string[]>;
  /** What Ansible would warn about: duplicate keys, unknown group keys, …, positioned. */
  warnings: Diagnostic[];
  /** A host of the inventory, or the implicit localhost for `localhost`, `127.0.0.1`, `::1`. */
  host(name: string): InventoryHost | undefined;
  /**
   * Hosts matching an Ansible host pattern (names, groups, globs, subscripts, `a:b` union,
   * `a:&b` intersection, `a:!b` exclusion), in Ansible's order (see patterns.ts).
   */
  select(pattern: string): string[];
}
