import { describe, expect, it } from 'vitest';
import { decideExpiry, isExpired, lastUseDue } from './token-expiry.js';
import { estimateTokenBits, tokenWeakness } from './token-strength.js';

const now = new Date('2026-01-01T00:00:00Z');

describe('tokenWeakness', () => {
  it.each([
    ['short', 'flt_seeded-for-test-0123456789', /30 characters; at least 32/],
    ['repetitive', 'ab'.repeat(20), /only 2 different characters/],
    ['digits only', '0123456789'.repeat(3) + '01', /estimated strength is 106 bits/],
    ['whitespace', 'correct horse battery staple and more words', /whitespace/],
  ])('refuses a %s secret', (_what, secret, why) => {
    expect(tokenWeakness(secret)).toMatch(why);
  });

  it.each([
    ['32 hex characters', '9f86d081884c7d659a2feaa0c55ad015'],
    ['base64 of 32 bytes', 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='],
    ['a flt_ token', 'flt_test_0123456789abcdef0123456789abcdef'],
  ])('accepts %s', (_what, secret) => {
    expect(tokenWeakness(secret)).toBeNull();
  });

  it('never repeats the secret in its message', () => {
    expect(tokenWeakness('hunter2hunter2')).not.toContain('hunter2');
  });

  it('estimates from the classes used', () => {
    expect(estimateTokenBits('')).toBe(0);
    expect(estimateTokenBits('0000')).toBeCloseTo(4 * Math.log2(10));
  });
});

describe('decideExpiry', () => {
  it('defaults to 90 days', () => {
    expect(decideExpiry({}, now)).toEqual({ ok: true, expiresAt: new Date('2026-04-01T00:00:00Z') });
  });
  it('takes days or never', () => {
    expect(decideExpiry({ expiresInDays: 1 }, now)).toEqual({
      ok: true,
      expiresAt: new Date('2026-01-02T00:00:00Z'),
    });
    expect(decideExpiry({ neverExpires: true }, now)).toEqual({ ok: true, expiresAt: null });
  });
  it.each([[{ expiresInDays: 3, neverExpires: true }, /at most one/]])('refuses %j', (req, why) => {
    const d = decideExpiry(req, now);
    expect(d.ok).toBe(false);
    expect(!d.ok && d.message).toMatch(why);
  });
});

describe('isExpired', () => {
  it('is true from the expiry instant on, never for null', () => {
    expect(isExpired(null, now)).toBe(false);
    expect(isExpired(new Date(now.getTime() + 1), now)).toBe(false);
    expect(isExpired(now, now)).toBe(true);
  });
});

describe('lastUseDue', () => {
  it('is true for a token never used or last used more than a minute ago', () => {
    expect(lastUseDue(null, now)).toBe(true);
    expect(lastUseDue(new Date(now.getTime() - 60_000), now)).toBe(false);
    expect(lastUseDue(new Date(now.getTime() - 60_001), now)).toBe(true);
    expect(lastUseDue(now, now)).toBe(false);
  });
});
