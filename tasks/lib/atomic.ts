/**
 * Atomic replacement on the host, as shell steps for a `set -e` script. The new entry is
 * made under a temp name in the destination's directory (same file system) and renamed
 * over the old one with `mv -f -T` (rename(2)): readers see the old entry or the new one,
 * never none and never a partial file; a symlink at the destination is replaced, never
 * written through or entered (docs/k3s-multus.md §3, §11).
 */
import { writeStdinPrivately } from './safe-write.ts';
import { sh } from '../../src/connection/quote.ts';
import { siblingTempPath } from './temp-path.ts';

/** Steps and the temp paths they may leave behind if a step fails. */
export interface AtomicSteps {
  temps: string[];
  commands: string[];
}

/** Each `path` becomes a symlink to `target` (stored as given): there is no moment without `path`. */
export function replaceByLinks(links: ReadonlyArray<{ path: string; target: string }>): AtomicSteps {
  const temps = links.map((l) => siblingTempPath(l.path, 'link'));
  const commands = links.flatMap((l, i) => [sh`ln -s -- ${l.target} ${temps[i]}`, sh`mv -f -T -- ${temps[i]} ${l.path}`]);
  return { temps, commands };
}

export interface FileReplacement {
  /** Names the temp file (`.provision-<purpose>-…`). */
  purpose: string;
  /** Commands that give the temp file its mode and owner before it takes `dest`'s place. */
  prepare?: (tmp: string) => string[];
  /** Commands run just before the rename (a backup copy of the old file). */
  beforeRename?: string[];
}

/** `dest` gets the script's stdin as its content. */
export function replaceByFile(dest: string, o: FileReplacement): AtomicSteps {
  const tmp = siblingTempPath(dest, o.purpose);
  return {
    temps: [tmp],
    commands: [
      // noclobber: the temp name must be new, never an existing file or link; umask 077: it is
      // never readable by others before its mode is set.
      writeStdinPrivately(tmp),
      ...(o.prepare?.(tmp) ?? []),
      ...(o.beforeRename ?? []),
      sh`mv -f -T -- ${tmp} ${dest}`,
    ],
  };
}

/** The script's first step: whatever happens, temp paths left by a failed step are removed on exit. */
export function removeOnExit(temps: string[]): string {
  return sh`trap ${sh`rm -rf -- ${temps}`} EXIT`;
}

/** One script from several atomic steps, cleaning up after all of them. */
export function atomically(...steps: AtomicSteps[]): string[] {
  return [removeOnExit(steps.flatMap((s) => s.temps)), ...steps.flatMap((s) => s.commands)];
}
