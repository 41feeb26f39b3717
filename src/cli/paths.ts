/** Where the bundled playbooks live, wherever provision is run from. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.ts';

export { PACKAGE_ROOT };
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
