import { describe, expect, it } from 'vitest';
import { clientKey, FailureWindow } from './failure-window.js';

describe('FailureWindow', () => {
  it('blocks a key after its budget of failures until the window ends', () => {
    const w = new FailureWindow(3);
    expect(w.fail('a', 0)).toBe(false);
    expect(w.fail('a', 1_000)).toBe(false);
    expect(w.blockedFor('a', 1_000)).toBe(0);
    expect(w.fail('a', 2_000)).toBe(true);
    expect(w.blockedFor('a', 2_000)).toBe(58);
    expect(w.blockedFor('a', 59_500)).toBe(1);
    expect(w.blockedFor('b', 2_000)).toBe(0);
    expect(w.blockedFor('a', 60_000)).toBe(0);
    expect(w.fail('a', 60_000)).toBe(false);
  });

  it('does nothing with a limit of 0', () => {
    const w = new FailureWindow(0);
    for (let i = 0; i < 100; i++) w.fail('a', i);
    expect(w.blockedFor('a', 100)).toBe(0);
    expect(w.size).toBe(0);
  });

  it('holds at most maxKeys keys, dropping expired ones first, then the oldest', () => {
    const w = new FailureWindow(1, 60_000, 3);
    w.fail('a', 0);
    w.fail('b', 50_000);
    w.fail('c', 50_000);
    w.fail('d', 61_000); // 'a' expired: evicted
    expect(w.size).toBe(3);
    expect(w.blockedFor('b', 61_000)).toBeGreaterThan(0);
    w.fail('e', 62_000); // none expired: the oldest ('b') goes
    expect(w.size).toBe(3);
    expect(w.blockedFor('b', 62_000)).toBe(0);
    expect(w.blockedFor('e', 62_000)).toBeGreaterThan(0);
  });
});

describe('clientKey', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('%s → %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
