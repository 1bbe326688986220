/** Expiry rules of API bearer tokens. */

/** Lifetime of a new token when the request names none. */
export const DEFAULT_TOKEN_DAYS = 90;
/** Longest lifetime a token can be given in days (about ten years). */
export const MAX_TOKEN_DAYS = 3650;

const DAY_MS = 86_400_000;

/** How a token's expiry was asked for: at most one of the three. */
export interface ExpiryRequest {
  expiresInDays?: number;
  /** ISO 8601 instant. */
  expiresAt?: string;
  /** True: the token never expires (an explicit choice; admins only create tokens). */
  neverExpires?: boolean;
}

/** The outcome: the instant, or null for never; or why the request is invalid. */
export type ExpiryDecision = { ok: true; expiresAt: Date | null } | { ok: false; message: string };

/** Decides when a new token expires. */
export function decideExpiry(req: ExpiryRequest, now: Date): ExpiryDecision {
  const given = [req.expiresInDays !== undefined, req.expiresAt !== undefined, req.neverExpires === true];
  if (given.filter(Boolean).length > 1)
    return { ok: false, message: 'give at most one of expiresInDays, expiresAt and neverExpires' };
  if (req.neverExpires === true) return { ok: true, expiresAt: null };
  if (req.expiresAt !== undefined) {
    const at = new Date(req.expiresAt);
    if (Number.isNaN(at.getTime())) return { ok: false, message: 'expiresAt must be an ISO 8601 date-time' };
    if (at.getTime() <= now.getTime()) return { ok: false, message: 'expiresAt must be in the future' };
    if (at.getTime() > now.getTime() + MAX_TOKEN_DAYS * DAY_MS)
      return { ok: false, message: `expiresAt must be at most ${MAX_TOKEN_DAYS} days ahead` };
    return { ok: true, expiresAt: at };
  }
  const days = req.expiresInDays ?? DEFAULT_TOKEN_DAYS;
  return { ok: true, expiresAt: new Date(now.getTime() + days * DAY_MS) };
}

/** True when a token with this expiry can no longer be used at `now`. */
export function isExpired(expiresAt: Date | null, now: Date): boolean {
  return expiresAt !== null && expiresAt.getTime() <= now.getTime();
}
