import { z } from 'zod';
import { badCursor } from './errors.js';
import { BadCursor, DEFAULT_PAGE, MAX_PAGE } from '../store/page.js';

/**
 * The query of every paged list (src/store/page.ts): `cursor`, the `next` of the previous
 * page (none for the first), and `limit`, the page size. Merged into each list's query.
 */
export const pageQuery = {
  cursor: z.string().min(1).max(2000).optional().describe('the `next` of the previous page; none for the first page'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE)
    .optional()
    .describe(
      `page size (default ${DEFAULT_PAGE}; certificates and resources ${MAX_PAGE}, as before paging; at most ${MAX_PAGE})`,
    ),
};

/** The `next` field every paged answer carries, documented once for /openapi.json. */
export const nextCursor = z
  .string()
  .nullable()
  .describe('cursor of the next page (pass it as `cursor`); null on the last page');

/** Runs a store read, turning a cursor this server never gave into a 400 that names it. */
export async function paged<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof BadCursor)) throw err;
    throw badCursor();
  }
}
