import { describe, expect, it } from 'vitest';
import { GroupCommit, type Settled } from './group-commit.js';

describe('GroupCommit', () => {
  it('writes what arrives meanwhile together, at most maxBatch and maxConcurrent at once', async () => {
    const batches: number[][] = [];
    let active = 0;
    let peak = 0;
    const gc = new GroupCommit<number, number>(
      async (items) => {
        active++;
        peak = Math.max(peak, active);
        batches.push(items);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        return items.map((i): Settled<number> => ({ ok: true, value: i * 10 }));
      },
      { maxBatch: 3, maxConcurrent: 1 },
    );
    const answers = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((i) => gc.submit(i)));
    expect(answers).toEqual([10, 20, 30, 40, 50, 60, 70]);
    // The first arrives alone; the rest queue behind it and go in batches of three.
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6, 7]]);
    expect(peak).toBe(1);
  });

  it('answers each item with its own outcome', async () => {
    const gc = new GroupCommit<number, string>(
      (items) =>
        Promise.resolve(
          items.map((i): Settled<string> =>
            i % 2 ? { ok: true, value: `odd ${i}` } : { ok: false, error: new Error(`even ${i}`) },
          ),
        ),
      { maxBatch: 10, maxConcurrent: 1 },
    );
    const out = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
    expect(out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      'odd 1',
      'even 2',
      'odd 3',
    ]);
  });

  it('writes each item alone when its batch fails as a whole, so only the bad one fails', async () => {
    const calls: number[][] = [];
    const gc = new GroupCommit<number, number>(
      (items) => {
        calls.push(items);
        if (items.includes(13)) return Promise.reject(new Error('batch broken by 13'));
        return Promise.resolve(items.map((i): Settled<number> => ({ ok: true, value: i })));
      },
      { maxBatch: 10, maxConcurrent: 1 },
    );
    const first = gc.submit(1); // written alone while the others queue
    const rest = [12, 13, 14].map((i) => gc.submit(i));
    const out = await Promise.allSettled([first, ...rest]);
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(((out[2] as PromiseRejectedResult).reason as Error).message).toBe('batch broken by 13');
    expect(calls).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
  });

  it('refuses limits that are not positive integers', () => {
    const write = () => Promise.resolve([]);
    expect(() => new GroupCommit(write, { maxBatch: 0, maxConcurrent: 1 })).toThrow(RangeError);
    expect(() => new GroupCommit(write, { maxBatch: 2, maxConcurrent: 0.5 })).toThrow(RangeError);
  });
});
