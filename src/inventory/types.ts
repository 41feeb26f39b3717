/** The loaded inventory, as the engine and CLI use it. Built by src/inventory/load.ts. */
import type { SourcePosition } from '../errors.ts';

export interface InventoryHost {
  /** inventory_hostname */
  name: string;
  /** Variables with Ansible precedence already applied: all < parent group < child group < host. */
  vars: Record<string, unknown>;
  /** Every group the host belongs to, directly or through children (`all` included). */
  groups: string[];
  position: SourcePosition;
}

export interface Inventory {
  file: string;
  /** Hosts in the order they first appear in the file. */
  hosts: InventoryHost[];
  /** Group name → its hosts (descendant groups included), in inventory order. */
  groups: Record<string, string[]>;
  host(name: string): InventoryHost | undefined;
  /**
   * Hosts matching an Ansible host pattern (names, groups, globs, `a:b` union,
   * `a:&b` intersection, `a:!b` exclusion), in inventory order.
   */
  select(pattern: string): string[];
}
