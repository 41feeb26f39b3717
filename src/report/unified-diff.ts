/**
 * The unified diff `--diff` prints (`--- before` / `+++ after`, `@@` hunks with three
 * lines of context), computed by the `diff` library and laid out the way `diff -u` and
 * Ansible show file changes: a one-line range omits ",1" and an empty range names the
 * line before it. Module diffs are bounded (tasks/builtin/text-diff.ts caps file content
 * at 64 KiB), so Myers' O(N·D) stays small.
 */
import { structuredPatch } from 'diff';

function range(start: number, count: number): string {
  const first = count === 0 ? start - 1 : start;
  return count === 1 ? `${first}` : `${first},${count}`;
}

/** Unified diff of two texts; '' when they are equal. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  if (before === after) return '';
  const { hunks } = structuredPatch('before', 'after', before, after, undefined, undefined, { context });
  const out = ['--- before', '+++ after'];
  for (const h of hunks) out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines);
  return `${out.join('\n')}\n`;
}
