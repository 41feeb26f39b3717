/**
 * A whole-value template (`facts: "{{ k3s }}"`, `timeout: "{{ t | default(300) }}"`)
 * becomes a mapping, list or number only at run time, where a task's arguments are
 * validated again after templating; before that only its syntax can be checked. This
 * wraps a validator so that schema errors about template strings are not reported.
 */
import type { ValidateFunction } from 'ajv';

const isTemplate = (data: unknown): boolean => typeof data === 'string' && data.includes('{{');

export function templateTolerant(validate: ValidateFunction): ValidateFunction {
  const tolerant = ((data: unknown) => {
    if (validate(data)) {
      tolerant.errors = null;
      return true;
    }
    const kept = (validate.errors ?? []).filter((e) => !isTemplate(e.data));
    tolerant.errors = kept.length > 0 ? kept : null;
    return kept.length === 0;
  }) as ValidateFunction;
  return tolerant;
}
