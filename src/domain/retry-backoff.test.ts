import { describe, expect, it } from 'vitest';
import { backoffDelay } from './retry-backoff.js';

const policy = { baseMs: 1000, maxMs: 10_000 };

describe('backoffDelay', () => {
  it('doubles up to the cap, between half the step and the whole step', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(policy, a, 0))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000,
    ]);
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(policy, a, 1))).toEqual([
      1000, 2000, 4000, 8000, 10000, 10000,
    ]);
    expect(backoffDelay(policy, 2, 0.5)).toBe(3000);
  });

  it('spreads agents that fail together', () => {
    const delays = new Set(Array.from({ length: 100 }, (_, i) => backoffDelay(policy, 3, i / 100)));
    expect(delays.size).toBe(100);
  });

  it('stays within bounds for nonsense input', () => {
    expect(backoffDelay(policy, -5, -1)).toBe(500);
    expect(backoffDelay(policy, 1e9, 2)).toBe(10_000);
  });
});
