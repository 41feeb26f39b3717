/**
 * Secret masking for everything a reporter writes. Reporters call it at write time with
 * the secrets known at that moment (vault values and `no_log` results can appear mid-run).
 */

export const MASK = '********';

/**
 * Secrets shorter than this are not masked. Masking a 1–3 character value would replace
 * that fragment everywhere ("ok", digits, "yes"), making the output unreadable, and would
 * still reveal the secret: the pattern of masked spots spells it out. A secret that short
 * offers no protection worth keeping, so it is left alone rather than giving a false sense
 * of safety.
 */
export const MIN_SECRET_LENGTH = 4;

/** Replace every occurrence of each secret with MASK, longest secret first. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  if (text === '' || secrets.length === 0) return text;
  // Longest first: a secret that contains another must be masked whole, not leave the
  // outer parts of the longer one readable around a masked inner part.
  const ordered = [...new Set(secrets)]
    .filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  let masked = text;
  for (const secret of ordered) {
    if (masked.includes(secret)) masked = masked.split(secret).join(MASK);
  }
  return masked;
}
