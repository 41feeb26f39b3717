/** provision's own version (package.json), recorded in the state it leaves on hosts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/package-root.ts';

let cached: string | undefined;

export function provisionVersion(): string {
  cached ??= String((JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  return cached;
}
