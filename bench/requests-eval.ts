/**
 * npm run eval:requests [-- table.yaml ...]: scores how requests in words are understood,
 * on the tables kept apart from the corpus: test/fixtures/requests-eval.yaml (the
 * project's), test/fixtures/requests-dev.yaml (the development table: written blind by
 * someone who saw only the operations and the table's header, then read to find the kinds
 * of failure, so no longer blind), and any table whose path is given (a blind one kept
 * outside the repository, whose lines nobody here reads). Each table is read by the daemon's model (logistic regression) and
 * by the former one (naive Bayes), the same rules and inputs around both. A row expecting a
 * new site (vhost.create or site.environment) on a domain outside the table client's domains
 * is right when handed to a person with the topic `account` carrying that operation on that
 * domain: serein cannot create a site on a domain the client does not have (isolation), a
 * person adds the domain and runs it (the tables' writers were not told this rule); a row
 * asking "which domain?" for such a site, written under the former rule, is right so too. Prints per table
 * and language: operation and inputs right; removals proposed for requests that remove
 * nothing; creates proposed for removals; inputs wrong in a proposal made without a
 * question; and each model's fit on its own corpus. Exits 1 under a target.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse } from 'yaml';
import { RequestClassifier, loadCorpus, type ModelKind } from '../src/requests/classifier.js';
import { removes, type Intent, type Language } from '../src/requests/intents.js';
import { understand, type ClientThings, type Proposal, type Understanding } from '../src/requests/understand.js';
import { handDocs, trainingDocs } from '../src/requests/model.js';

/** One row: a phrasing and what it must be understood as (an operation, a list of them, `diagnose`, `ask` with `field` and the operation asked about as `op`, or `human` with `topic`). */
interface Row {
  lang: Language;
  text: string;
  expect: string | string[];
  inputs?: Record<string, unknown> | (Record<string, unknown> | null)[];
  field?: string;
  topic?: string;
  op?: string;
}

const TARGET = 0.95;
/** `--lines`: a table given by path is one no longer blind (test/fixtures/blind/), so its failing lines may be printed. */
const showLines = process.argv.includes('--lines');
const paths = process.argv.slice(2).filter((a) => a !== '--lines');
/** The client a table without its own is read for: the one the blind tables' writers were given (no certificates known). */
const BLIND_CLIENT: Record<string, unknown> = {
  sites: ['boutique.fr', 'blog.exemple.fr'],
  domains: ['boutique.fr', 'exemple.fr'],
  webservers: ['main'],
  databaseServers: [
    { name: 'maria', engine: 'MariaDB' },
    { name: 'pg', engine: 'PostgreSQL' },
  ],
  databases: [
    { name: 'boutique_wp', server: 'maria' },
    { name: 'clients', server: 'pg' },
    { name: 'test_old', server: 'maria' },
  ],
};
const tables = [
  ...['requests-eval', 'requests-dev', 'requests-dev2', 'requests-dev3'].map((name) => ({
    name,
    file: new URL(`../test/fixtures/${name}.yaml`, import.meta.url),
  })),
  ...paths.map((path) => ({
    name: basename(path, '.yaml'),
    file: new URL(`file://${resolve(path)}`),
    blind: !showLines,
  })),
]
  .filter((t) => existsSync(t.file))
  .map((t) => ({
    name: t.name,
    blind: 'blind' in t && t.blind,
    client: BLIND_CLIENT,
    ...(parse(readFileSync(t.file, 'utf8')) as { client?: Record<string, unknown>; rows: Row[] }),
  }));

/** The table's client as the engine reads it: servers may be written with their engine, databases as objects or "name@server". */
function clientOf(raw: Record<string, unknown>): ClientThings {
  const engineWord = (e: unknown) => (/postg|pg/i.test(String(e)) ? 'postgres' : 'mariadb') as 'postgres' | 'mariadb';
  const servers = ((raw.databaseServers ?? []) as unknown[]).map((s) =>
    typeof s === 'string' ? { name: s } : (s as { name: string; engine?: string }),
  );
  const engines: Record<string, 'mariadb' | 'postgres'> = {};
  for (const s of servers) if ('engine' in s && s.engine) engines[s.name] = engineWord(s.engine);
  for (const [k, v] of Object.entries((raw.databaseEngines ?? {}) as Record<string, string>))
    engines[k] = engineWord(v);
  const databases = ((raw.databases ?? []) as unknown[]).map((d) => {
    if (typeof d === 'string') {
      const [name, server] = d.split('@');
      return { name, server: server ?? servers[0]?.name };
    }
    return d as { name: string; server: string };
  });
  return {
    sites: raw.sites as string[],
    domains: raw.domains as string[],
    webservers: raw.webservers as string[],
    databaseServers: servers.map((s) => s.name),
    databaseEngines: engines,
    databases,
    certificates: raw.certificates as Record<string, string> | undefined,
  };
}

/** Inputs serein fills itself (a certificate's id) or the client types (a removal's confirmation): not counted either way. */
const FILLED = new Set(['certificate', 'confirm', 'tenant']);
function sameInputs(
  want: Record<string, unknown> | null | undefined,
  got: Record<string, unknown> | undefined,
): boolean {
  if (!want) return true;
  if (!got) return false;
  // The inputs the row names must be filled so; those it leaves out are not compared.
  return Object.keys(want)
    .filter((k) => !FILLED.has(k))
    .every((k) => JSON.stringify(want[k]) === JSON.stringify(k in got ? got[k] : got[SAME_FIELD[k]]));
}

/** One site, two words: a table may call `site` what an operation's input calls `domain` (dns.fix), and a question for either asks "which site?". */
const SAME_FIELD: Record<string, string> = { site: 'domain', domain: 'site' };

/** The answer's inputs for one operation: its proposal's, or the site a diagnosis runs on. */
function inputsOf(u: Understanding, intent: string, at?: number): Record<string, unknown> | undefined {
  // The site checked, whichever word the table gives it (the dev table says `domain`).
  if (intent === 'diagnose') return u.diagnose && { site: u.diagnose.site, domain: u.diagnose.site };
  const all = u.proposals ?? (u.proposal ? [u.proposal] : []);
  // The same operation twice ("delete test_old and clients"): the row's k-th is the answer's k-th.
  if (at !== undefined && all.length === u.intents.length && all[at]?.playbook === intent) return all[at].inputs;
  return all.find((p, i) => p.playbook === intent || u.intents[i] === intent)?.inputs;
}

/** What the answer is, in the table's words. */
function got(u: Understanding): string {
  if (u.status === 'handoff') return u.topic ? `human(${u.topic})` : 'human';
  if (u.status === 'question') return `ask ${u.question?.field}${u.intent ? ` (${u.intent})` : ''}`;
  return u.intents.join(' + ');
}

/** Whether an answer is what the row expects, inputs, the field asked and the topic included. */
function right(row: Row, u: Understanding, angerKnown: boolean, domains: string[]): boolean {
  if (Array.isArray(row.expect)) {
    if (u.intents.join() !== row.expect.join() || u.status === 'handoff') return false;
    const inputs = (row.inputs ?? []) as (Record<string, unknown> | null)[];
    return row.expect.every((op, i) => !inputs[i] || sameInputs(inputs[i], inputsOf(u, op, i)));
  }
  switch (row.expect) {
    case 'ask':
      // "Create a site for mybakery.com", written when serein asked which domain: now a person adds it.
      if (row.field === 'domain' && u.status === 'handoff' && u.topic === 'account')
        return onDomainNotOwned({ ...row, expect: u.proposal?.playbook ?? '' }, u, domains);
      // "SSL on unknown-domain.com", written when serein asked which site: now a person adds the domain first (the
      // same rule as a new site's, for an operation on a site: the certificate carried on that domain).
      if (row.field === 'site' && u.status === 'handoff' && u.topic === 'account' && u.proposal)
        return (!row.op || u.proposal.playbook === row.op) && outside(u.proposal.inputs, domains);
      return (
        u.status === 'question' &&
        (!row.field || u.question?.field === row.field || u.question?.field === SAME_FIELD[row.field]) &&
        (!row.op || u.intent === row.op)
      );
    case 'human':
      return u.status === 'handoff' && (!row.topic || sameTopic(row.topic, u.topic, angerKnown));
    default: {
      if (u.intents[0] !== row.expect) return false;
      if (u.status === 'handoff' && u.topic === 'account') return onDomainNotOwned(row, u, domains);
      if (!row.inputs) return u.status !== 'handoff';
      return u.status !== 'question' && sameInputs(row.inputs as Record<string, unknown>, inputsOf(u, row.expect));
    }
  }
}

/**
 * A new site (or environment) on a domain outside the table client's domains: serein cannot
 * create it (a tenant's sites are on its own domains), so the right answer is a person with
 * the topic `account`, carrying the operation asked on that domain for the admin to run once
 * the domain is added. The blind tables' writers were told new domains were fine, not this rule.
 */
function onDomainNotOwned(row: Row, u: Understanding, domains: string[]): boolean {
  if (!['vhost.create', 'site.environment'].includes(String(row.expect)) || u.proposal?.playbook !== row.expect)
    return false;
  const wanted = String((row.inputs as Record<string, unknown> | undefined)?.domain ?? u.proposal.inputs.domain);
  const outside = !domains.some((d) => wanted === d || wanted.endsWith(`.${d}`));
  return outside && u.proposal.inputs.domain === wanted;
}

/** Whether a carried proposal's domain (or every one of its domains) is outside the table client's domains. */
function outside(inputs: Record<string, unknown>, domains: string[]): boolean {
  const names = [inputs.domain, ...((inputs.domains as unknown[] | undefined) ?? [])].filter(
    (n) => typeof n === 'string',
  );
  return names.length > 0 && names.every((n) => !domains.some((d) => n === d || n.endsWith(`.${d}`)));
}

/**
 * The dev table names "a person" `person`, the engine `human`: the same topic. A table
 * whose writer had no `anger` topic (none of its rows uses it) files anger under `other`.
 */
function sameTopic(want: string, got: string | undefined, angerKnown = true): boolean {
  return want === got || (want === 'person' && got === 'human') || (!angerKnown && want === 'other' && got === 'anger');
}

/** Every proposal an answer offers; a question's choices too when the row says which operation it is about (`op`), since an unnamed removal's choices are removals. */
function offered(u: Understanding, row: Row): Proposal[] {
  const choices =
    row.expect !== 'ask' || row.op ? (u.question?.choices ?? []).flatMap((c) => (c.proposal ? [c.proposal] : [])) : [];
  return [...(u.proposals ?? (u.proposal ? [u.proposal] : [])), ...choices];
}

const CREATES: Record<string, string> = { 'vhost.delete': 'vhost.create', 'database.delete': 'database.create' };
const pct = (ok: number, all: number) => (all ? `${((100 * ok) / all).toFixed(1)} % (${ok}/${all})` : '-');

let failed = false;
const corpus = loadCorpus();
for (const kind of ['logistic', 'bayes'] as ModelKind[]) {
  const started = performance.now();
  const classifier = new RequestClassifier(corpus, kind);
  const loadedMs = performance.now() - started;
  // The logistic model learns from the hand corpus and the generated one; naive Bayes from the hand corpus only.
  const hand = handDocs(corpus);
  const docs = kind === 'logistic' ? trainingDocs(corpus) : hand;
  const fit = docs.filter((d) => classifier.classify(d.text).intent === d.label).length;
  const handFit = hand.filter((d) => classifier.classify(d.text).intent === d.label).length;
  console.log(
    `\n=== model: ${kind === 'logistic' ? "logistic regression (the daemon's)" : 'naive Bayes (the former one, for comparison)'}; loaded or trained in ${loadedMs.toFixed(0)} ms`,
  );
  console.log(
    `  training fit (its own corpus): ${pct(fit, docs.length)}; on the hand-written phrasings: ${pct(handFit, hand.length)}`,
  );
  if (kind === 'logistic' && fit / docs.length < 0.98) failed = true;
  for (const table of tables) {
    const client = clientOf(table.client);
    const stats: Record<Language, { ok: number; all: number }> = { en: { ok: 0, all: 0 }, fr: { ok: 0, all: 0 } };
    let destructive = 0;
    let createsForDeletes = 0;
    let silentWrong = 0;
    let topics = 0;
    let topicRows = 0;
    const confusions = new Map<string, string[]>();
    const angerKnown = table.rows.some((r) => r.topic === 'anger');
    for (const row of table.rows) {
      const u = understand(classifier, row.text, client, { language: row.lang === 'fr' ? 'en' : 'fr' });
      const ok = right(row, u, angerKnown, client.domains);
      stats[row.lang].all++;
      if (ok) stats[row.lang].ok++;
      const expected = [...(Array.isArray(row.expect) ? row.expect : [row.expect]), ...(row.op ? [row.op] : [])];
      const proposals = offered(u, row);
      if (
        !expected.some((e) => removes(corpus.operations, e as Intent)) &&
        proposals.some((p) => removes(corpus.operations, p.playbook))
      ) {
        destructive++;
        if (kind === 'logistic' && !table.blind) console.log(`    ! a removal proposed for [${row.lang}] ${row.text}`);
      }
      if (
        expected.some(
          (e) => CREATES[e] && !expected.includes(CREATES[e]) && proposals.some((p) => p.playbook === CREATES[e]),
        )
      ) {
        createsForDeletes++;
        if (kind === 'logistic' && !table.blind)
          console.log(`    ! a create proposed for the removal [${row.lang}] ${row.text}`);
      }
      if (!ok && u.status === 'proposal' && u.confidence >= 0.45 && expected.join() === u.intents.join()) silentWrong++;
      if (row.topic) {
        topicRows++;
        if (sameTopic(row.topic, u.topic, angerKnown)) topics++;
      }
      if (!ok) {
        const key = `${Array.isArray(row.expect) ? row.expect.join(' + ') : row.expect}${row.topic ? `(${row.topic})` : ''} → ${got(u)}`;
        const detail =
          proposals.length && u.status === 'proposal'
            ? ` ${JSON.stringify(proposals.map((p) => p.inputs))}`
            : u.diagnose
              ? ` ${JSON.stringify(u.diagnose)}`
              : '';
        confusions.set(key, [
          ...(confusions.get(key) ?? []),
          `[${row.lang}] ${row.text}  (confidence ${u.confidence})${detail}`,
        ]);
      }
    }
    const all = table.rows.length;
    console.log(`\n  table ${table.name} (${all} phrasings, none trained on):`);
    console.log(`    operation + inputs right, English: ${pct(stats.en.ok, stats.en.all)}`);
    console.log(`    operation + inputs right, French:  ${pct(stats.fr.ok, stats.fr.all)}`);
    console.log(`    removals proposed for requests that remove nothing: ${destructive}`);
    console.log(`    creates proposed for removals: ${createsForDeletes}`);
    console.log(
      `    inputs wrong in a proposal made without a question (confidence >= 0.45): ${pct(silentWrong, all)}`,
    );
    if (topicRows) console.log(`    topic of a handover named right: ${pct(topics, topicRows)}`);
    if (kind === 'logistic') {
      if (
        [stats.en, stats.fr].some((s) => s.all && s.ok / s.all < TARGET) ||
        destructive ||
        createsForDeletes ||
        silentWrong / all >= 0.01
      )
        failed = true;
      if (confusions.size) console.log('\n    confusions (expected → understood):');
      for (const [key, rows] of [...confusions].sort((a, b) => b[1].length - a[1].length)) {
        console.log(`      ${key}: ${rows.length}`);
        // A table given by path is a blind one: its kinds of failure are printed, never its lines.
        if (!table.blind) for (const r of rows) console.log(`          ${r}`);
      }
    }
  }
}
if (failed)
  console.log(
    `\nbelow a target (${TARGET * 100} % per language, 0 removals for other requests, 0 creates for removals, < 1 % silent wrong inputs, fit >= 98 %)`,
  );
process.exitCode = failed ? 1 : 0;
