/**
 * provision manifest -i INVENTORY [-e k=v] [--limit HOST]: print the Multus manifest
 * rendered for the inventory's variables, e.g. to review it or to apply it by hand.
 * Contacts no host.
 */
import { UsageError, type ExitCodeValue } from '../errors.ts';
import { buildScope } from '../engine/scope.ts';
import { loadInventory, printWarnings } from '../inventory/load.ts';
import { groupNames } from '../inventory/magic-vars.ts';
import type { Inventory, InventoryHost } from '../inventory/types.ts';
import { renderMultusManifest } from '../../tasks/multus/render.ts';
import { pickMultusVars } from '../../tasks/multus/multus-manifest.ts';
import { commandHelp } from './help.ts';
import { parseCommand, requireInventory } from './options.ts';

/** Whose variables: the first host --limit selects, else the first K3s server, else the first host. */
export function manifestHost(inventory: Inventory, limit?: string): InventoryHost | undefined {
  if (limit !== undefined) {
    const [first] = inventory.select(limit);
    if (first === undefined) throw new UsageError(`--limit ${limit} matches no host of ${inventory.file}`);
    return inventory.host(first);
  }
  const server = inventory.groups.server?.[0];
  return (server !== undefined ? inventory.host(server) : undefined) ?? inventory.hosts[0];
}

export async function manifestCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream = process.stderr,
): Promise<ExitCodeValue> {
  const { flags, positionals } = parseCommand(argv);
  if (flags.help) {
    out.write(`${commandHelp('manifest')}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`manifest takes no positional arguments, got "${positionals[0]}"`);
  const inventory = loadInventory(requireInventory(flags));
  printWarnings(inventory.warnings, err);
  const host = manifestHost(inventory, flags.limit);
  // Variables may be templates referring to each other ("{{ k3s_data_dir }}"), as in a play.
  const scope = buildScope([host?.vars ?? {}, flags.extraVars], {
    inventory_hostname: host?.name ?? 'localhost',
    groups: inventory.groups,
    group_names: groupNames(host?.groups ?? []),
  });
  // A ValidationError (every invalid variable) propagates: exit 4, nothing printed to stdout.
  const { yaml, warnings } = renderMultusManifest(pickMultusVars(scope));
  for (const warning of warnings) err.write(`warning: ${warning}\n`);
  out.write(yaml.endsWith('\n') ? yaml : `${yaml}\n`);
  return 0;
}
