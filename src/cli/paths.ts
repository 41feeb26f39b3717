/** Where the bundled playbooks live, wherever provision is run from. */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PLAYBOOK_DIR = join(PACKAGE_ROOT, 'playbooks');

export function bundledPlaybook(name: string): string {
  return join(PLAYBOOK_DIR, `${name}.yaml`);
}

export function bundledPlaybooks(): string[] {
  return readdirSync(PLAYBOOK_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(PLAYBOOK_DIR, f));
}
