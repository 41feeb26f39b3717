/**
 * Secret masking for everything a reporter writes. Reporters call it at write time with
 * the secrets known at that moment (vault values and `no_log` results can appear mid-run).
 *
 * A secret is masked in every form it can take in output: as it is, JSON-escaped (a
 * password with a quote or backslash shown by `debug var`, or inside `--json` lines; once
 * and twice escaped, for JSON inside JSON), and single-quote-escaped as the shell quoting
 * writes it into a command line.
 */

export const MASK = '********';

/**
 * Secrets shorter than this are masked only where they stand alone (not inside a longer
 * word or number): masking "ab" inside every "tab" and "about" would make output
 * unreadable and spell the secret out through the pattern of masked spots.
 */
export const SHORT_SECRET_LENGTH = 4;

/** Every form `secret` may appear in, distinct, longest first. */
export function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = new Set([secret, json, JSON.stringify(json).slice(1, -1), secret.replace(/'/g, `'\\''`)]);
  return [...forms].filter((f) => f !== '').sort((a, b) => b.length - a.length);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replace every occurrence of each secret (in each of its forms) with MASK, longest first. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  if (text === '' || secrets.length === 0) return text;
  // Longest first: a secret that contains another must be masked whole, not leave the
  // outer parts of the longer one readable around a masked inner part.
  const forms = [...new Set(secrets.filter((s) => typeof s === 'string' && s !== '').flatMap(secretForms))].sort(
    (a, b) => b.length - a.length,
  );
  let masked = text;
  for (const form of forms) {
    if (!masked.includes(form)) continue;
    if (form.length >= SHORT_SECRET_LENGTH) masked = masked.split(form).join(MASK);
    else masked = masked.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(form)}(?![A-Za-z0-9])`, 'g'), MASK);
  }
  return masked;
}
