import { describe, expect, it } from 'vitest';
import { DeadlineExceeded } from './custom-health.js';
import { vmDeadline } from './vm-deadline.js';

// Atomics.wait blocks this thread without using the CPU: what a busy machine's scheduler does
// to a cheap evaluation that happens to be set aside past the deadline.
const cell = new Int32Array(new SharedArrayBuffer(4));
const setAside = (ms: number) => Atomics.wait(cell, 0, 0, ms);

describe('vmDeadline', () => {
  it('tries again an evaluation stopped while it was not running, and returns its value', () => {
    let calls = 0;
    const value = vmDeadline(() => {
      calls++;
      if (calls === 1) setAside(500);
      return 'judged';
    }, 50);
    expect(value).toBe('judged');
    expect(calls).toBe(2);
  });

  it('tries only once more: set aside twice is out of time', () => {
    let calls = 0;
    expect(() =>
      vmDeadline(() => {
        calls++;
        setAside(500);
      }, 50),
    ).toThrow(DeadlineExceeded);
    expect(calls).toBe(2);
  });

  it('stops a runaway computation the first time, without a second try', () => {
    let calls = 0;
    expect(() =>
      vmDeadline(() => {
        calls++;
        for (;;);
      }, 50),
    ).toThrow(new DeadlineExceeded(50));
    expect(calls).toBe(1);
  });

  it("passes the function's own errors through", () => {
    expect(() =>
      vmDeadline(() => {
        throw new RangeError('own');
      }, 50),
    ).toThrow(RangeError);
  });
});
