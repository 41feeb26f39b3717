/**
 * Which inventory values must never appear in a log, report or error message: the known
 * secret variables, and any variable named like one (`*_password`, `*_passwd`,
 * `*_passphrase`, `*_token`, `*_pass`, `*_key` (`ssh_key`, `aws_secret_access_key`),
 * `*_credentials`, and those words on their own — k3s-ansible's cluster secret is plainly
 * `token` — plus any name containing `secret`). Nested mappings are searched too, so a
 * password inside a registry configuration is masked as well.
 */
import { SECRET_VAR_NAMES } from './known-vars.ts';

const SECRET_NAME = /(?:^|_)(?:password|passwd|passphrase|token|pass|key|apikey|credentials?)$|secret/i;

export function isSecretVarName(name: string): boolean {
  return SECRET_VAR_NAMES.includes(name) || SECRET_NAME.test(name);
}

/** Distinct non-empty secret strings, longest first (so a masker never leaves a tail of a longer one). */
export function secretValues(vars: Record<string, unknown>): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 20 || typeof value !== 'object' || value === null) return;
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'string' && v !== '' && isSecretVarName(key)) found.add(v);
      else visit(v, depth + 1);
    }
  };
  visit(vars, 0);
  return [...found].sort((a, b) => b.length - a.length);
}
