/**
 * The inventory used without -i: PROVISION_INVENTORY, then ANSIBLE_INVENTORY or
 * ansible.cfg's [defaults] inventory, then ./inventory.yaml — the first that exists.
 * Shared by every command through requireInventory (options.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import type { ControlSettings } from '../config/control-settings.ts';

export const DEFAULT_INVENTORY_ORDER =
  '-i FILE, else $PROVISION_INVENTORY, else $ANSIBLE_INVENTORY or ansible.cfg [defaults] inventory, else ./inventory.yaml';

export interface InventoryChoice {
  file: string;
  source: string;
  /** Configured candidates that did not exist, for a warning. */
  skipped: string[];
}

export function defaultInventory(settings: ControlSettings | undefined, env: NodeJS.ProcessEnv, cwd: string): InventoryChoice {
  const candidates: { file: string; source: string }[] = [];
  if (env.PROVISION_INVENTORY) candidates.push({ file: resolve(cwd, env.PROVISION_INVENTORY), source: 'PROVISION_INVENTORY' });
  for (const file of settings?.inventory?.value ?? []) candidates.push({ file, source: settings!.inventory!.source });
  candidates.push({ file: resolve(cwd, 'inventory.yaml'), source: './inventory.yaml' });
  const skipped: string[] = [];
  for (const c of candidates) {
    if (existsSync(c.file)) return { ...c, skipped };
    skipped.push(`${c.file} (${c.source})`);
  }
  throw new UsageError(
    `no inventory found; looked for, in order: ${skipped.join(', ')}. ` +
      'Give -i FILE, set PROVISION_INVENTORY or ANSIBLE_INVENTORY, set inventory in ansible.cfg [defaults], or create ./inventory.yaml',
  );
}
