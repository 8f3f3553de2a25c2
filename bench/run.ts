// `npm run bench [name...]`: runs bench/*.bench.ts (or the named ones) one after the other
// and prints what each measured. Speed is measured here, never asserted in tests.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A benchmark module's default export: measures, returns named figures. */
export type Bench = () => Promise<Record<string, string | number>>;

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
for (const file of files) {
  const mod = (await import(join(dir, file))) as { default: Bench };
  const started = performance.now();
  const figures = await mod.default();
  process.stdout.write(`\n${file.replace('.bench.ts', '')} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`  ${k.padEnd(44)} ${typeof v === 'number' ? v.toFixed(3) : v}\n`);
}
process.exit(0);
