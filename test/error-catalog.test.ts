import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC, errorsMarkdown, readCatalogs, strayConstructions } from './helpers/error-catalog.js';

/**
 * One code, one wording: every OperationError is built by a named builder in a catalog
 * (a module's `errors.ts` or `<concern>-errors.ts`), each code in one builder only, so a
 * client reads the same sentence whichever path failed, and docs/errors.md lists them all.
 */
describe('error catalogs', () => {
  const entries = readCatalogs();

  it('no module builds an OperationError outside a catalog', () => {
    expect(strayConstructions()).toEqual([]);
  });

  it('each code is defined by one builder in the whole tree', () => {
    const where = new Map<string, string[]>();
    for (const e of entries) if (e.code) where.set(e.code, [...(where.get(e.code) ?? []), `${e.file} ${e.builder}`]);
    const twice = [...where].filter(([, at]) => at.length > 1).map(([code, at]) => `${code}: ${at.join(', ')}`);
    expect(twice).toEqual([]);
    expect(where.size).toBeGreaterThan(20);
  });

  it('docs/errors.md lists the codes as the catalogs define them (npm run docs:errors writes it)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(errorsMarkdown(entries));
  });
});
