/** Expiry rules of API bearer tokens. */

/** Lifetime of a new token when the request names none. */
export const DEFAULT_TOKEN_DAYS = 90;
/** Longest lifetime a token can be given in days (about ten years). */
export const MAX_TOKEN_DAYS = 3650;

const DAY_MS = 86_400_000;

/**
 * How a token's expiry was asked for: at most one of the two. A lifetime in days, not an instant:
 * whether an instant is in the future depends on the clock, which no API schema can state.
 */
export interface ExpiryRequest {
  expiresInDays?: number;
  /** True: the token never expires (an explicit choice; admins only create tokens). */
  neverExpires?: boolean;
}

/** The outcome: the instant, or null for never; or why the request is invalid. */
export type ExpiryDecision = { ok: true; expiresAt: Date | null } | { ok: false; message: string };

/** Decides when a new token expires. */
export function decideExpiry(req: ExpiryRequest, now: Date): ExpiryDecision {
  if (req.expiresInDays !== undefined && req.neverExpires === true)
    return { ok: false, message: 'give at most one of expiresInDays and neverExpires' };
  if (req.neverExpires === true) return { ok: true, expiresAt: null };
  const days = req.expiresInDays ?? DEFAULT_TOKEN_DAYS;
  return { ok: true, expiresAt: new Date(now.getTime() + days * DAY_MS) };
}

/** True when a token with this expiry can no longer be used at `now`. */
export function isExpired(expiresAt: Date | null, now: Date): boolean {
  return expiresAt !== null && expiresAt.getTime() <= now.getTime();
}

/** A token's recorded last use moves at most this often, so authenticating stays a read. */
export const LAST_USED_EVERY_MS = 60_000;

/** Whether a use at `now` moves a token's recorded last use (more than a minute after it). */
export function lastUseDue(lastUsedAt: Date | null, now: Date): boolean {
  return lastUsedAt === null || now.getTime() - lastUsedAt.getTime() > LAST_USED_EVERY_MS;
}
