/** provision's own version (package.json), recorded in the state it leaves on hosts. */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function provisionVersion(): string {
  cached ??= String((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  return cached;
}
