import { describe, expect, it } from 'vitest';
import { unpairedSurrogateIn, withoutUnpairedSurrogates } from './unicode.js';

describe('unpaired surrogates', () => {
  it('finds none in well-formed values, pairs (emoji) included', () => {
    expect(unpairedSurrogateIn({ a: ['x', 'ok \u{1F680}', 1, null, { b: 'é中' }] })).toBeNull();
    expect(unpairedSurrogateIn('plain')).toBeNull();
  });

  it('names where a high or low half stands alone: value, nested value, key', () => {
    expect(unpairedSurrogateIn(JSON.parse('"a\\ud800"'))).toBe('(the body)');
    expect(unpairedSurrogateIn(JSON.parse('{"events":[{"message":"x"},{"message":"\\udc00y"}]}'))).toBe(
      'events[1].message',
    );
    expect(unpairedSurrogateIn(JSON.parse('{"labels":{"k\\ud800":"v"}}'))).toBe('labels."k\ufffd"');
    // a high half followed by another high half is still alone
    expect(unpairedSurrogateIn(['\ud800\ud800\udc00'])).toBe('[0]');
  });

  it('replaces each lone half with U+FFFD and keeps pairs', () => {
    expect(withoutUnpairedSurrogates('a\ud800b\udc00c\u{1F680}')).toBe('a\ufffdb\ufffdc\u{1F680}');
  });
});
