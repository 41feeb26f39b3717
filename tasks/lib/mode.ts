/**
 * File modes. Arguments take octal strings ('0644', '755') or, as Ansible's file module does
 * (ansible-core 2.14 lib/ansible/module_utils/basic.py, set_mode_if_different: an int is the bits, a string is read as octal),
 * a number of permission bits: playbooks are read as YAML 1.1, where an unquoted 0644 is
 * octal, i.e. 420.
 */

export const MODE_PATTERN = '^[0-7]{3,4}$';

export const modeSchema = {
  // pattern applies to strings only, minimum/maximum to numbers only.
  type: ['string', 'integer'],
  pattern: MODE_PATTERN,
  minimum: 0,
  // A number above 0o777 is almost always an octal mode written without its leading 0
  // (`mode: 644` is the bits 0o1204, sticky bit included, in Ansible too): refused, and
  // special bits are written as a string ('4755').
  maximum: 0o777,
  description: "Permission bits: an octal string ('0644', '0755', '4755') or an unquoted YAML 1.1 octal number (0644) up to 0777; a number written without the leading 0 (644) is refused.",
} as const;

/** Permission bits as Ansible shows them: four octal digits. */
export function formatMode(bits: number): string {
  return (bits & 0o7777).toString(8).padStart(4, '0');
}

/** '644' and '0644' are the same mode; compare in the four-digit form. */
export function normalizeMode(mode: string | number): string {
  return formatMode(typeof mode === 'number' ? mode : parseInt(mode, 8));
}
