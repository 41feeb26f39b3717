/**
 * Load the inventory and the playbooks, collecting every problem in all of them before
 * reporting: nothing is contacted until all input is valid.
 */
import { ValidationError, type Diagnostic } from '../errors.ts';
import { loadInventory, printWarnings } from '../inventory/load.ts';
import type { Inventory } from '../inventory/types.ts';
import { loadPlaybook } from '../playbook/load.ts';
import type { Playbook } from '../playbook/types.ts';
import { registry } from '../../tasks/index.ts';

export interface Inputs {
  inventory: Inventory;
  playbooks: Playbook[];
}

export function loadInputs(inventoryFile: string, playbookFiles: string[]): Inputs {
  const diagnostics: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (err) {
      if (err instanceof ValidationError) {
        diagnostics.push(...err.diagnostics);
        warnings.push(...err.warnings);
        return undefined;
      }
      throw err;
    }
  };
  const inventory = attempt(() => loadInventory(inventoryFile));
  const playbooks = playbookFiles.map((file) => attempt(() => loadPlaybook(file, registry)));
  // Warnings first, so that they are seen beside the errors they never hide.
  printWarnings([...warnings, ...(inventory?.warnings ?? []), ...playbooks.flatMap((p) => p?.warnings ?? [])]);
  if (diagnostics.length || !inventory) throw new ValidationError(diagnostics);
  return { inventory, playbooks: playbooks as Playbook[] };
}
