/**
 * Cursor pagination for every list the store serves, so that no list is ever cut at a
 * fixed size: a page holds at most `limit` items and `next`, an opaque cursor for the
 * page after it (null on the last page). Cursors are keyset positions (the sort key of
 * the last item shown), so a page costs the same at row 100,000 as at row 1 and rows
 * added meanwhile are neither skipped nor shown twice.
 */

/** One page of a list, with the cursor of the page after it (null: this was the last). */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/** The page size when none is asked for, and the largest one may ask for. */
export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

/** What a paged list is asked: where to start (a previous page's `next`) and how many. */
export interface PageRequest {
  cursor?: string;
  limit?: number;
}

/** A cursor that does not decode: the API turns it into a 400 naming the query parameter. */
export class BadCursor extends Error {
  constructor() {
    super('the cursor is not one this server gave (use the "next" of a previous page, or none for the first page)');
  }
}

/** Encodes a keyset position (the sort key of the last item of a page) as an opaque string. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor into a keyset position of `arity` strings or numbers; throws BadCursor otherwise. */
export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursor();
  }
  if (!Array.isArray(key) || key.length !== arity || !key.every((k) => typeof k === 'string' || typeof k === 'number'))
    throw new BadCursor();
  return key;
}

/** The page size actually used: the asked one within 1..MAX_PAGE, or the default. */
export function pageSize(limit: number | undefined, fallback = DEFAULT_PAGE): number {
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(limit ?? fallback)));
}

/**
 * Builds a page from rows fetched with `limit + 1` (the extra row only says that a page
 * follows): the items, and the cursor of the last item shown when there is more.
 */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  keyOf: (row: R) => (string | number)[],
  map: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { items: shown.map(map), next: more ? encodeCursor(keyOf(shown[shown.length - 1])) : null };
}
