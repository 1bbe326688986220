import { InvalidInputError } from './errors.js';

/**
 * Opaque keyset-pagination cursors: the sort key of the last item of a page, as base64url JSON.
 * Opaque so callers cannot depend on its shape; validated so a forged cursor is a 400, not a 500.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor} with the expected element types. */
export function decodeCursor<T extends readonly ('string' | 'number')[]>(
  cursor: string,
  shape: T,
): { [K in keyof T]: T[K] extends 'string' ? string : number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidInputError('cursor: not a cursor returned by this API');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== shape.length ||
    parsed.some((v, i) => typeof v !== shape[i])
  )
    throw new InvalidInputError('cursor: not a cursor returned by this API');
  return parsed as { [K in keyof T]: T[K] extends 'string' ? string : number };
}
