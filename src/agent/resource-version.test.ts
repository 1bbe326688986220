import { describe, expect, it } from 'vitest';
import { isOlderVersion } from './resource-version.js';

describe('isOlderVersion', () => {
  it.each([
    ['9', '10', true],
    ['10', '10', false],
    ['11', '10', false],
    ['18446744073709551615', '18446744073709551616', true],
    ['abc', '10', false],
    ['10', undefined, false],
    [undefined, '10', false],
    ['', '10', false],
  ])('%s older than %s: %s', (a, b, older) => {
    expect(isOlderVersion(a, b)).toBe(older);
  });
});
