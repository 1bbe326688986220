/**
 * A token bucket, as a pure function over its state: `capacity` tokens at most, refilled at
 * `perMinute` per minute. The caller keeps the state (one bucket per agent credential, in
 * memory) and the clock.
 */

/** The state of one bucket. */
export interface BucketState {
  tokens: number;
  /** Time (ms) `tokens` was computed at. */
  at: number;
}

/** Size and refill rate of a bucket. */
export interface BucketLimits {
  capacity: number;
  perMinute: number;
}

/** Outcome of {@link takeTokens}: the new state, and when refused, how long until `cost` fits. */
export type TakeResult =
  { ok: true; state: BucketState } | { ok: false; state: BucketState; retryAfterMs: number };

/**
 * Takes `cost` tokens if the bucket holds them. A refused request takes nothing, so a client
 * that waits `retryAfterMs` gets in. A cost above the capacity can never fit and is refused
 * with the time to a full bucket (callers cap the cost per request below the capacity).
 */
export function takeTokens(
  state: BucketState | undefined,
  cost: number,
  now: number,
  limits: BucketLimits,
): TakeResult {
  const perMs = limits.perMinute / 60_000;
  const tokens = state
    ? Math.min(limits.capacity, state.tokens + Math.max(0, now - state.at) * perMs)
    : limits.capacity;
  if (cost <= tokens) return { ok: true, state: { tokens: tokens - cost, at: now } };
  const missing = Math.min(cost, limits.capacity) - tokens;
  // Retry-After is in whole seconds: never less than one.
  return { ok: false, state: { tokens, at: now }, retryAfterMs: Math.max(1000, Math.ceil(missing / perMs)) };
}
