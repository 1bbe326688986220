import { describe, expect, it } from 'vitest';
import { CoalescedRun } from './coalesced-run.js';

/** A pass that waits until the test lets it end, recording when each one started. */
function controlledPasses() {
  const started: number[] = [];
  const release: (() => void)[] = [];
  const fail: ((e: Error) => void)[] = [];
  const run = new CoalescedRun(
    () =>
      new Promise<void>((resolve, reject) => {
        started.push(started.length + 1);
        release.push(resolve);
        fail.push(reject);
      }),
  );
  return { run, started, release, fail };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CoalescedRun', () => {
  it('runs a pass for a request when none is running', async () => {
    const { run, started, release } = controlledPasses();
    const done = run.request();
    expect(started).toEqual([1]);
    release[0]();
    await done;
  });

  it('serves every request made during a pass with one more pass after it', async () => {
    const { run, started, release } = controlledPasses();
    const first = run.request();
    const settled: number[] = [];
    const later = [1, 2, 3, 4, 5].map((i) => run.request().then(() => settled.push(i)));
    expect(started).toEqual([1]);

    release[0]();
    await first;
    await tick();
    // the requests made meanwhile wait for a pass that started after them: the second
    expect(started).toEqual([1, 2]);
    expect(settled).toEqual([]);

    release[1]();
    await Promise.all(later);
    expect(settled).toEqual([1, 2, 3, 4, 5]);
    expect(started).toEqual([1, 2]);
  });

  it('rejects the requests a failed pass served; the next request runs a new pass', async () => {
    const { run, started, release, fail } = controlledPasses();
    const first = run.request();
    fail[0](new Error('database gone'));
    await expect(first).rejects.toThrow('database gone');
    const again = run.request();
    expect(started).toEqual([1, 2]);
    release[1]();
    await again;
  });

  it('a request waiting behind a failed pass still gets a pass of its own', async () => {
    const { run, started, release, fail } = controlledPasses();
    const first = run.request();
    const waiting = run.request();
    fail[0](new Error('lost the connection'));
    await expect(first).rejects.toThrow('lost the connection');
    await tick();
    expect(started).toEqual([1, 2]);
    release[1]();
    await waiting;
  });
});
