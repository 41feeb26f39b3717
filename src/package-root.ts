/**
 * The directory of package.json, found by walking up from a module: the same answer from
 * the TypeScript sources (tests, dev tools) and from the compiled dist/ that bin/ runs.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRootOf(moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'playbooks'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package root above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}

export const PACKAGE_ROOT = packageRootOf(import.meta.url);
