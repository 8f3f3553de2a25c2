/**
 * npm run eval:requests: scores how requests in words are understood, on the table in
 * test/fixtures/requests-eval.yaml (phrasings the classifier was not trained on). Prints
 * the accuracy per language and every confusion; exits 1 under the target (90 %).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { requestClassifier, type Language } from '../src/requests/classifier.js';
import { understand, type ClientThings, type Understanding } from '../src/requests/understand.js';

/** One row of the table: a phrasing and what it must be understood as. */
interface Row { lang: Language; text: string; expect: string; inputs?: Record<string, unknown>; field?: string }

const TARGET = 0.9;
const table = parse(readFileSync(new URL('../test/fixtures/requests-eval.yaml', import.meta.url), 'utf8')) as { client: ClientThings; rows: Row[] };

/** What an answer is, in the table's words: the operation, `ask` or `human`. */
function got(u: Understanding): string {
  return u.status === 'handoff' ? 'human' : u.status === 'question' ? 'ask' : u.intent!;
}

/** Whether an answer is what the row expects, inputs and the field asked included. */
export function scoreRow(row: Row, u: Understanding): boolean {
  if (got(u) !== row.expect) return false;
  if (row.expect === 'ask') return !row.field || u.question?.field === row.field;
  if (!row.inputs) return true;
  return JSON.stringify(sorted(row.inputs)) === JSON.stringify(sorted(u.proposal!.inputs));
}

function sorted(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

const started = performance.now();
const classifier = requestClassifier();
const trainedMs = performance.now() - started;
const stats: Record<string, { ok: number; all: number }> = { en: { ok: 0, all: 0 }, fr: { ok: 0, all: 0 } };
const confusions = new Map<string, string[]>();
let languageRight = 0;
for (const row of table.rows) {
  const u = understand(classifier, row.text, table.client, { language: row.lang === 'fr' ? 'en' : 'fr' });
  if (u.language === row.lang) languageRight++;
  const ok = scoreRow(row, u);
  stats[row.lang].all++;
  if (ok) stats[row.lang].ok++;
  else {
    const key = `${row.expect} → ${got(u)}`;
    const detail = u.proposal ? ` ${JSON.stringify(u.proposal.inputs)}` : u.question ? ` (asks ${u.question.field})` : '';
    confusions.set(key, [...(confusions.get(key) ?? []), `[${row.lang}] ${row.text}  (confidence ${u.confidence})${detail}`]);
  }
}
const pct = (s: { ok: number; all: number }) => `${((100 * s.ok) / s.all).toFixed(1)} % (${s.ok}/${s.all})`;
const all = { ok: stats.en.ok + stats.fr.ok, all: stats.en.all + stats.fr.all };
console.log(`requests understood, on ${all.all} phrasings not trained on (training took ${trainedMs.toFixed(0)} ms)`);
console.log(`  English: ${pct(stats.en)}`);
console.log(`  French:  ${pct(stats.fr)}`);
console.log(`  all:     ${pct(all)}`);
console.log(`  language told right (the caller's language set to the other one): ${languageRight}/${all.all}`);
if (confusions.size) console.log('\nconfusions (expected → understood):');
for (const [key, rows] of [...confusions].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`  ${key}: ${rows.length}`);
  for (const r of rows) console.log(`      ${r}`);
}
const below = [stats.en, stats.fr].some((s) => s.ok / s.all < TARGET);
if (below) console.log(`\nbelow the target of ${TARGET * 100} % in at least one language`);
process.exitCode = below ? 1 : 0;
