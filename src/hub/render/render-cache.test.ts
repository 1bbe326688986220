import { describe, expect, it } from 'vitest';
import { RenderCache } from './render-cache.js';

describe('RenderCache', () => {
  it('computes a key once for concurrent callers, then serves it from memory', async () => {
    const cache = new RenderCache<string>(100);
    let runs = 0;
    const compute = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 5));
      return { value: 'out', bytes: 3, keep: true };
    };
    const all = await Promise.all(Array.from({ length: 20 }, () => cache.get('k', compute)));
    expect(all.every((v) => v === 'out')).toBe(true);
    expect(await cache.get('k', compute)).toBe('out');
    expect(runs).toBe(1);
    expect(cache.stats()).toMatchObject({ misses: 1, joined: 19, hits: 1, entries: 1, bytes: 3 });
  });
  it('evicts the least recently used entries to stay within its bytes', async () => {
    const cache = new RenderCache<string>(10);
    const put = (k: string, bytes: number) =>
      cache.get(k, () => Promise.resolve({ value: k, bytes, keep: true }));
    await put('a', 4);
    await put('b', 4);
    await cache.get('a', () => Promise.resolve({ value: 'recomputed', bytes: 4, keep: true })); // a is now the newest
    await put('c', 4); // evicts b
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: 8 });
    expect(await cache.get('a', () => Promise.resolve({ value: 'again', bytes: 4, keep: true }))).toBe('a');
    expect(await cache.get('b', () => Promise.resolve({ value: 'b2', bytes: 4, keep: true }))).toBe('b2');
    await put('huge', 11); // larger than the whole cache: returned, never kept
    expect(cache.stats().bytes).toBeLessThanOrEqual(10);
  });
  it('keeps neither unkept outcomes nor failures', async () => {
    const cache = new RenderCache<string>(100);
    await cache.get('t', () => Promise.resolve({ value: 'timeout', bytes: 1, keep: false }));
    await expect(cache.get('f', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.get('t', () => Promise.resolve({ value: 'ok', bytes: 1, keep: true }))).toBe('ok');
    expect(await cache.get('f', () => Promise.resolve({ value: 'ok', bytes: 1, keep: true }))).toBe('ok');
    expect(cache.stats().entries).toBe(2);
  });
});
