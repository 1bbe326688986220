import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import { type Page } from './list-query.dto.js';

/** The name to continue after, from a cursor made by {@link namePage}. */
export function afterName(cursor: string | undefined): string | null {
  return cursor ? decodeCursor(cursor, ['string'] as const)[0] : null;
}

/**
 * Turns `limit + 1` rows ordered by name into a page: the extra row only says that there is a
 * next page, whose cursor is the last returned name.
 */
export function namePage<T extends { name: string }, D>(
  rows: T[],
  limit: number,
  toDto: (row: T) => D,
): Page<D> {
  const page = rows.slice(0, limit);
  return {
    items: page.map(toDto),
    nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].name]) : null,
  };
}
