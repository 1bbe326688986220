/**
 * Minimum strength of a bearer secret chosen by a person (a seeded FLOTILLA_ADMIN_TOKEN). Generated
 * tokens are 256 random bits and never pass through here.
 */

/** Shortest secret accepted. */
export const MIN_TOKEN_LENGTH = 32;
/** Least estimated entropy, in bits, of an accepted secret. */
export const MIN_TOKEN_BITS = 128;
/** Least number of different characters: rules out `aaaa…` and `abababab…`. */
export const MIN_DISTINCT_CHARS = 10;

/**
 * An upper-bound estimate of a secret's entropy: its length times log2 of the alphabet its
 * character classes span (digits 10, lower 26, upper 26, other printable 33). It cannot tell a
 * random string from a memorable one, so the length and distinct-character floors back it up.
 */
export function estimateTokenBits(secret: string): number {
  let pool = 0;
  if (/[0-9]/.test(secret)) pool += 10;
  if (/[a-z]/.test(secret)) pool += 26;
  if (/[A-Z]/.test(secret)) pool += 26;
  if (/[^0-9a-zA-Z]/.test(secret)) pool += 33;
  return pool === 0 ? 0 : secret.length * Math.log2(pool);
}

/** Why a secret is too weak, or null when it is strong enough. Never repeats the secret. */
export function tokenWeakness(secret: string): string | null {
  if (/\s/.test(secret)) return 'it contains whitespace';
  if (secret.length < MIN_TOKEN_LENGTH)
    return `it has ${secret.length} characters; at least ${MIN_TOKEN_LENGTH} are needed`;
  const distinct = new Set(secret).size;
  if (distinct < MIN_DISTINCT_CHARS)
    return `it uses only ${distinct} different characters; at least ${MIN_DISTINCT_CHARS} are needed`;
  const bits = Math.floor(estimateTokenBits(secret));
  if (bits < MIN_TOKEN_BITS)
    return `its estimated strength is ${bits} bits; at least ${MIN_TOKEN_BITS} are needed`;
  return null;
}
