/**
 * File modes. Arguments take octal strings only ('0644', '755'): an unquoted YAML 0644 is
 * a decimal number under YAML 1.2 and octal under Ansible's YAML 1.1, so a number is
 * ambiguous and the schema refuses it rather than guess.
 */

export const MODE_PATTERN = '^[0-7]{3,4}$';

export const modeSchema = {
  type: 'string',
  pattern: MODE_PATTERN,
  description: "Permission bits as a quoted octal string, e.g. '0644' or '0755'.",
} as const;

/** Permission bits as Ansible shows them: four octal digits. */
export function formatMode(bits: number): string {
  return (bits & 0o7777).toString(8).padStart(4, '0');
}

/** '644' and '0644' are the same mode; compare in the four-digit form. */
export function normalizeMode(mode: string): string {
  return formatMode(parseInt(mode, 8));
}
