import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';

describe('cursors', () => {
  it('round-trips', () => {
    expect(decodeCursor(encodeCursor(['a', 2]), ['string', 'number'] as const)).toEqual(['a', 2]);
  });
  it.each(['', '!!!', encodeCursor(['a']), Buffer.from('{"x":1}').toString('base64url')])(
    'rejects %j',
    (c) => {
      expect(() => decodeCursor(c, ['string', 'number'] as const)).toThrow(
        'cursor: not a cursor returned by this API',
      );
    },
  );
});
