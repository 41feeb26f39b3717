/**
 * The PLAY RECAP block, column for column as Ansible prints it, so that people and the
 * scripts they already have (grep 'failed=0') read it the same way. Pure formatting: the
 * exit code is decided elsewhere.
 */
import type { Recap } from '../engine/events.ts';

/** Ansible's banner width: the title, a space, and stars up to 80 columns (at least 3). */
const BANNER_WIDTH = 80;

/** Ansible pads host names to 26 columns; longer names widen the column for every host. */
const HOST_COLUMN = 26;

/** Ansible's column order (lib/ansible/plugins/callback/default.py v2_playbook_on_stats). */
const COLUMNS = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'] as const;

/** `TITLE ****…` as Ansible prints PLAY, TASK and PLAY RECAP headings. */
export function banner(title: string): string {
  const stars = Math.max(3, BANNER_WIDTH - 1 - title.length);
  return `${title} ${'*'.repeat(stars)}`;
}

/**
 * `PLAY RECAP ***…` then one line per host, sorted by name:
 * `node1                      : ok=3    changed=1    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0`
 * Each count is left-aligned in 4 columns (Ansible's `%s=%-4s`); trailing blanks are trimmed.
 */
export function formatRecap(recap: Recap): string {
  const hosts = Object.keys(recap).sort();
  const width = Math.max(HOST_COLUMN, ...hosts.map((h) => h.length));
  const lines = [banner('PLAY RECAP')];
  for (const host of hosts) {
    const counts = recap[host];
    const fields = COLUMNS.map((c) => `${c}=${String(counts[c] ?? 0).padEnd(4)}`).join(' ');
    lines.push(`${host.padEnd(width)} : ${fields}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}
