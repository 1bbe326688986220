import { describe, expect, it } from 'vitest';
import { CachedAnswer } from './cached-answer.js';

function setUp() {
  let now = 0;
  const clock = { now: () => new Date(now) };
  const asked: ((yes: boolean) => void)[] = [];
  const cache = new CachedAnswer(1000, clock, () => new Promise<boolean>((resolve) => asked.push(resolve)));
  return { cache, asked, advance: (ms: number) => (now += ms) };
}

describe('CachedAnswer', () => {
  it('asks once for callers that ask while the question is being answered, then once per TTL', async () => {
    const { cache, asked, advance } = setUp();
    const answers = Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(asked).toHaveLength(1);
    asked[0](true);
    expect(await answers).toEqual([true, true, true]);
    advance(999);
    expect(await cache.get()).toBe(true);
    expect(asked).toHaveLength(1);
    advance(1);
    const later = cache.get();
    expect(asked).toHaveLength(2);
    asked[1](false);
    expect(await later).toBe(false);
  });

  it('keeps no answer read across an invalidation, and callers after it ask again', async () => {
    const { cache, asked } = setUp();
    const before = cache.get();
    cache.invalidate();
    const after = cache.get();
    expect(asked).toHaveLength(2);
    asked[0](false);
    asked[1](true);
    expect(await before).toBe(false);
    expect(await after).toBe(true);
    // the answer read after the invalidation is the one kept
    expect(await cache.get()).toBe(true);
    expect(asked).toHaveLength(2);
  });
});
