/** A lab cluster's inventory with one host's variables changed, written to a test's dir. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

type HostVars = Record<string, unknown>;

function hostsOf(inventory: { all: { children: { k3s_cluster: { children: Record<string, { hosts: Record<string, HostVars> }> } } } }) {
  return Object.values(inventory.all.children.k3s_cluster.children).map((g) => g.hosts);
}

export function inventoryWith(inventoryFile: string, dir: string, host: string, vars: HostVars, name = `inventory-${host}.yaml`): string {
  const inventory = parse(readFileSync(inventoryFile, 'utf8'));
  const group = hostsOf(inventory).find((hosts) => host in hosts);
  if (!group) throw new Error(`${host} is not in ${inventoryFile}`);
  Object.assign(group[host], vars);
  const file = join(dir, name);
  writeFileSync(file, stringify(inventory));
  return file;
}
