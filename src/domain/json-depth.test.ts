import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './json-depth.js';

/** `[[[…]]]` `levels` deep, built without recursion. */
function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

describe('nestsDeeperThan', () => {
  it('counts levels of objects and arrays; scalars are level 0', () => {
    expect(nestsDeeperThan('x', 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan(nested(64), 64)).toBe(false);
    expect(nestsDeeperThan(nested(65), 64)).toBe(true);
    expect(nestsDeeperThan({ a: 1, b: [1, 2, { c: [] }] }, 4)).toBe(false);
    expect(nestsDeeperThan({ a: 1, b: [1, 2, { c: [] }] }, 3)).toBe(true);
  });

  it('walks 100,000 levels without running out of stack', () => {
    expect(nestsDeeperThan(nested(100_000), 64)).toBe(true);
  });
});
