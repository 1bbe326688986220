import { describe, expect, it } from 'vitest';
import { takeTokens, type BucketState } from './token-bucket.js';

const LIMITS = { capacity: 100, perMinute: 60 }; // one token a second

describe('takeTokens', () => {
  it.each<[string, BucketState | undefined, number, number, boolean, number | undefined]>([
    ['a new bucket is full', undefined, 100, 0, true, undefined],
    ['too much for a new bucket', undefined, 101, 0, false, 1000],
    ['empty: waits for what is missing', { tokens: 0, at: 0 }, 5, 0, false, 5000],
    ['refilled over time', { tokens: 0, at: 0 }, 5, 5000, true, undefined],
    ['partly refilled', { tokens: 0, at: 0 }, 5, 2000, false, 3000],
    ['never beyond the capacity', { tokens: 90, at: 0 }, 100, 3_600_000, true, undefined],
    ['a clock going back refills nothing', { tokens: 1, at: 10_000 }, 2, 0, false, 1000],
  ])('%s', (_, state, cost, now, ok, retryAfterMs) => {
    const r = takeTokens(state, cost, now, LIMITS);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.retryAfterMs).toBe(retryAfterMs);
  });

  it('a refused request takes nothing', () => {
    const first = takeTokens(undefined, 95, 0, LIMITS);
    const refused = takeTokens(first.state, 10, 0, LIMITS);
    expect(refused.ok).toBe(false);
    expect(takeTokens(refused.state, 5, 0, LIMITS).ok).toBe(true);
  });
});
