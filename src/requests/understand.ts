import { distance } from 'fastest-levenshtein';
import type { Corpus, Intent, Language, RequestClassifier } from './classifier.js';
import { fold, hostNames, words } from './text.js';
import { handoffSentence, intentLabel, proposalSentence, questionSentence } from './words.js';

/** A client's own things, the only names a request is matched against (another tenant's are never read). */
export interface ClientThings {
  sites: string[];
  domains: string[];
  webservers: string[];
  databaseServers: string[];
  /** Set when an admin asks for a tenant: operations that name their tenant get it as an input. */
  tenantInput?: string;
}

/** An operation ready to run once the client confirms it: what POST /v1/jobs takes, and the sentence saying it. */
export interface Proposal { playbook: Intent; inputs: Record<string, unknown>; sentence: string }

/** One answer to a question: a proposal to confirm, or the operation meant (the text is then read again with it). */
export interface Choice { label: string; proposal?: Proposal; intent?: Intent }

/** What serein understood of a request: a proposal, one question, or a handover to a person. */
export interface Understanding {
  status: 'proposal' | 'question' | 'handoff';
  intent: Intent | null;
  confidence: number;
  language: Language;
  sentence: string;
  frustrated: boolean;
  proposal?: Proposal;
  question?: { field: string; choices: Choice[] };
}

/** Below this, the client is asked which operation they meant rather than served a guess. */
const SURE = 0.45;

/**
 * Reads a request: the classifier gives the operation (or `human`) and the language; the
 * inputs come from the text and the client's own resources, typos included. Never runs
 * anything: the answer is a proposal the client confirms, a question, or a handover.
 */
export function understand(classifier: RequestClassifier, text: string, things: ClientThings, o: { language: Language; intent?: Intent }): Understanding {
  const c = classifier.classify(text);
  const language: Language = c.languageConfidence >= 0.75 ? c.language : o.language;
  const frustrated = classifier.frustrated(text);
  const intent = o.intent ?? c.intent;
  const confidence = o.intent ? 1 : round(c.confidence);
  const base = { intent, confidence, language, frustrated };
  const handoff = (): Understanding => ({ ...base, status: 'handoff', sentence: handoffSentence(language) });
  if (intent === 'human' || (!o.intent && frustrated && c.confidence < 0.6)) return { ...handoff(), intent: 'human' };
  if (!o.intent && c.confidence < SURE) {
    const options = [c.intent, c.second.intent].filter((i) => i !== 'human');
    const choices = options.map((i) => ({ label: intentLabel(i, language), intent: i }));
    return { ...base, intent: null, status: 'question', sentence: questionSentence('intent', choices.map((x) => x.label), language), question: { field: 'intent', choices } };
  }
  const slots = new Slots(classifier.corpus, text, things, language);
  return { ...base, ...slots.resolve(intent) } as Understanding;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

type Resolved = Pick<Understanding, 'status' | 'sentence' | 'proposal' | 'question'>;

/** Fills an operation's inputs from the text and the client's things, or says what to ask. */
class Slots {
  private readonly names: string[];
  private readonly words: string[];

  constructor(
    private readonly corpus: Corpus,
    text: string,
    private readonly things: ClientThings,
    private readonly lang: Language,
  ) {
    this.names = hostNames(text);
    this.words = words(text);
  }

  resolve(intent: Intent): Resolved {
    switch (intent) {
      case 'certificate.issue':
        return this.existing(this.things.sites, (site) => ({ domains: [site] }), intent);
      case 'dns.fix':
        return this.existing([...new Set([...this.things.sites, ...this.things.domains])], (domain) => ({ domain, confirm: true }), intent);
      case 'vhost.create':
        return this.newSite();
      default:
        return this.database();
    }
  }

  private propose(intent: Intent, inputs: Record<string, unknown>): Proposal {
    return { playbook: intent, inputs, sentence: proposalSentence(intent, inputs, this.lang) };
  }

  private ask(field: string, choices: Choice[], unknown?: string): Resolved {
    return { status: 'question', sentence: questionSentence(field, choices.map((c) => c.label), this.lang, unknown), question: { field, choices } };
  }

  private proposal(p: Proposal): Resolved {
    return { status: 'proposal', sentence: p.sentence, proposal: p };
  }

  /** An operation on one of the client's sites: named (typos forgiven), hinted at by a word ("the blog"), or the only one. */
  private existing(targets: string[], inputs: (name: string) => Record<string, unknown>, intent: Intent): Resolved {
    const choices = () => targets.map((t) => ({ label: t, proposal: this.propose(intent, inputs(t)) }));
    if (this.names.length) {
      const found = this.names.map((n) => closest(n, targets)).find(Boolean);
      // A name that is not the client's reads the same whether it is unknown or another tenant's.
      return found ? this.proposal(this.propose(intent, inputs(found))) : this.ask('site', choices(), this.names[0]);
    }
    const hinted = this.byWord(targets);
    if (hinted.length === 1) return this.proposal(this.propose(intent, inputs(hinted[0])));
    if (targets.length === 1) return this.proposal(this.propose(intent, inputs(targets[0])));
    return this.ask('site', choices());
  }

  /** Targets one of whose labels the text names, or names through an alias ("shop" for boutique.fr). */
  private byWord(targets: string[]): string[] {
    const said = new Set<string>();
    for (const w of this.words) {
      if (w.length < 3) continue;
      said.add(w);
      for (const group of this.corpus.aliases) if (group.includes(w)) group.forEach((a) => said.add(a));
    }
    return targets.filter((t) =>
      labels(t).some((l) => [...said].some((w) => w === l || (l.length >= 5 && w.length >= 5 && distance(w, l) <= 1))),
    );
  }

  /** A new site: a name under one of the client's domains that is not a site yet. */
  private newSite(): Resolved {
    const webserver = this.only(this.things.webservers);
    const free = this.things.domains.filter((d) => !this.things.sites.includes(d));
    const inputs = (domain: string) => ({ domain, webserver: webserver ?? this.things.webservers[0] });
    const choices = free.map((d) => ({ label: d, proposal: this.propose('vhost.create', inputs(d)) }));
    if (!this.things.webservers.length) return { status: 'handoff', sentence: handoffSentence(this.lang) };
    const name = this.names.find((n) => this.things.domains.some((d) => n === d || n.endsWith(`.${d}`)) && !this.things.sites.includes(n));
    if (!name) return this.ask('domain', choices, this.names.find((n) => !this.things.sites.includes(n)));
    if (!webserver) return this.ask('server', this.things.webservers.map((w) => ({ label: w, proposal: this.propose('vhost.create', { domain: name, webserver: w }) })));
    return this.proposal(this.propose('vhost.create', inputs(name)));
  }

  /** A database: its name from an application ("pour WordPress"), a word after "nommée"/"for", or one of the client's sites. */
  private database(): Resolved {
    const servers = this.things.databaseServers;
    if (!servers.length) return { status: 'handoff', sentence: handoffSentence(this.lang) };
    const inputs = (name: string, server: string) => ({ server, name, ...(this.things.tenantInput ? { tenant: this.things.tenantInput } : {}) });
    const name = this.databaseName();
    const server = this.only(servers);
    if (!name) {
      const suggested = [...new Set(this.things.sites.map((s) => dbName(labels(s)[0])).filter(Boolean))].slice(0, 3) as string[];
      return this.ask('name', suggested.map((n) => ({ label: n, proposal: this.propose('database.create', inputs(n, server ?? servers[0])) })));
    }
    if (!server) return this.ask('server', servers.map((s) => ({ label: s, proposal: this.propose('database.create', inputs(name, s)) })));
    return this.proposal(this.propose('database.create', inputs(name, server)));
  }

  private databaseName(): string | undefined {
    for (const w of this.words) {
      const app = this.corpus.apps.find((a) => a === w || (w.length >= 6 && distance(a, w) <= 1));
      if (app) return app;
    }
    for (const n of this.names) {
      const site = closest(n, this.things.sites);
      if (site) return dbName(labels(site)[0]);
    }
    const generic = new Set(this.corpus.generic);
    const markers = new Set(this.corpus.markers);
    for (let i = 0; i < this.words.length; i++) {
      if (!markers.has(this.words[i])) continue;
      const next = this.words.slice(i + 1).find((w) => !generic.has(w));
      const name = next && dbName(next);
      if (name) return name;
    }
    return undefined;
  }

  private only(items: string[]): string | undefined {
    return items.length === 1 ? items[0] : undefined;
  }
}

/** The labels of a name that say what it is: not www, not the public suffix. */
function labels(name: string): string[] {
  const parts = name.split('.');
  return parts.slice(0, -1).filter((l) => l !== 'www');
}

/** A valid database name (the playbook's pattern) from a word, or nothing. */
function dbName(word: string | undefined): string | undefined {
  const w = word && fold(word).replace(/-/g, '_');
  return w && /^[a-z][a-z0-9_]{0,14}$/.test(w) ? w : undefined;
}

/** The client's name a written one means: the same, or close enough to be a typo (boutik.fr, boutqiue.fr). */
export function closest(written: string, names: string[]): string | undefined {
  if (names.includes(written)) return written;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const n of names) {
    const d = distance(written, n);
    if (d < bestDistance) [best, bestDistance] = [n, d];
  }
  // Up to a quarter of the letters wrong, three at most: a typo, not another name.
  return best && bestDistance <= Math.min(3, Math.floor(best.length / 4)) ? best : undefined;
}
