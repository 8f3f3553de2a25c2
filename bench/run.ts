// `npm run bench [name...]`: runs bench/*.bench.ts (or the named ones) one after the other,
// prints what each measured and writes bench/results/latest.md and latest.json: the
// machine (cores, memory, load before and after), every figure as min/median/max of its
// runs, and the ratios each bench computed from figures taken in the same run. Speed is
// measured here, never asserted in tests. BENCH_SMOKE=1 makes every bench as small as it goes.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machine, type Figures, type Stat } from './stats.js';

/** A benchmark module's default export: measures, returns named figures. */
export type Bench = () => Promise<Figures>;

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

const isStat = (v: unknown): v is Stat => typeof v === 'object' && v !== null && 'median' in v;
const num = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3));
const show = (v: Stat | number | string) =>
  isStat(v)
    ? `${num(v.min)} / ${num(v.median)} / ${num(v.max)} ${v.unit} (${v.runs} runs)`
    : typeof v === 'number'
      ? num(v)
      : v;

const before = machine();
const results: Record<string, { seconds: number; at?: string; load?: number[]; figures?: Figures; error?: string }> =
  {};
for (const file of files) {
  const name = file.replace('.bench.ts', '');
  const started = performance.now();
  const load = machine().load; // the machine may be shared: each bench says how loaded it was when it started
  try {
    const mod = (await import(join(dir, file))) as { default: Bench };
    results[name] = { seconds: 0, figures: await mod.default() };
  } catch (err) {
    results[name] = { seconds: 0, error: (err as Error).stack ?? String(err) };
  }
  Object.assign(results[name], { seconds: (performance.now() - started) / 1000, at: new Date().toISOString(), load });
  process.stdout.write(`\n${name} (${results[name].seconds.toFixed(1)} s)\n`);
  if (results[name].error) process.stdout.write(`  failed: ${results[name].error!.split('\n')[0]}\n`);
  for (const [k, v] of Object.entries(results[name].figures ?? {}))
    process.stdout.write(`  ${k.padEnd(60)} ${show(v)}\n`);
}
const after = machine();

const out = join(dir, 'results');
mkdirSync(out, { recursive: true });
const at = new Date().toISOString();
// A smoke run (CI) never overwrites a full run's figures.
const base = process.env.BENCH_SMOKE ? 'smoke' : 'latest';
// A run of some benches only (`npm run bench fleet`) replaces their figures in latest and keeps the others'.
const file = join(out, `${base}.json`);
const kept =
  wanted.length && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).results as typeof results) : {};
const all = { ...kept, ...results };
writeFileSync(
  file,
  `${JSON.stringify({ at, machine: { before, after }, smoke: !!process.env.BENCH_SMOKE, results: all }, null, 2)}\n`,
);
const md = [
  `# serein benchmarks, ${at}`,
  '',
  `Machine: ${before.cores} cores (${before.cpu}), ${before.memoryGiB} GiB memory (${before.freeMemoryGiB} GiB free at the start), Node ${before.node};`,
  `load average (1/5/15 min) ${before.load.join(' / ')} before, ${after.load.join(' / ')} after.`,
  'Figures are min / median / max over their runs; every ratio comes from figures taken in the same run.',
  process.env.BENCH_SMOKE ? '\n**Smoke run (BENCH_SMOKE=1): sizes cut down, the figures say nothing of speed.**' : '',
  '',
];
for (const [name, r] of Object.entries(all)) {
  md.push(
    `## ${name} (${r.seconds.toFixed(1)} s, ended ${r.at ?? '?'}, load average ${r.load?.join(' / ') ?? '?'} at its start)`,
    '',
  );
  if (r.error) md.push('Failed:', '', '```', r.error.split('\n').slice(0, 6).join('\n'), '```', '');
  if (r.figures) {
    md.push('| figure | min / median / max (runs) |', '|---|---|');
    for (const [k, v] of Object.entries(r.figures)) md.push(`| ${k} | ${show(v)} |`);
    md.push('');
  }
}
writeFileSync(join(out, `${base}.md`), md.join('\n'));
process.stdout.write(`\nwritten: bench/results/${base}.md, ${base}.json\n`);
process.exit(0);
