/**
 * Ansible's boolean coercion, one set of rules for every place a value stands for yes/no
 * (the `bool` filter, `ansible_become`, connection variables). After
 * ansible/ansible lib/ansible/module_utils/parsing/convert_bool.py (`boolean()`):
 * true, 'y', 'yes', 'on', '1', 'true', 't', 1 are true; false, 'n', 'no', 'off', '0',
 * 'false', 'f', 0 are false; strings are compared trimmed and lower-cased.
 */

const TRUE_WORDS = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE_WORDS = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/** true or false, or undefined when `value` is none of Ansible's booleans (strict mode). */
export function ansibleBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1) return true;
  if (value === 0) return false;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/** Non-strict mode: anything that is not one of the true values is false. */
export const isAnsibleTrue = (value: unknown): boolean => ansibleBoolean(value) === true;
