import { distance } from 'fastest-levenshtein';
import type { Corpus } from './classifier.js';
import type { Intent, Language } from './intents.js';
import {
  besideDatabaseWord,
  databasesNamed,
  dbName,
  engineNamed,
  namedAfterMarker,
  quoted,
  quotedName,
  type OwnDatabase,
} from './names.js';
import { NEGATORS_BEFORE } from './lexicon.js';
import { domainNotOwned, notOwnedSentence } from './not-owned.js';
import { removal } from './removal.js';
import { closest, heardAs, labels, mistypedSite, notUnder, saidDone } from './site-names.js';
import { hostNames, tokens, words } from './text.js';
import { handoffSentence, proposalSentence, questionSentence } from './words.js';
import type { ClientThings, Proposal, Choice, Resolved } from './slot-types.js';

export type { ClientThings, Proposal, Choice, Resolved } from './slot-types.js';

/** Words that take every one of the things named after them: "all my sites", « tous mes sites ». */
const EVERY = new Set(['all', 'every', 'each', 'tous', 'toutes', 'chaque', 'chacun', 'both', 'deux', 'two']);

/** Fills an operation's inputs from the text and the client's things, or says what to ask. */
export class Slots {
  private readonly names: string[];
  private readonly words: string[];
  private readonly tokens: string[];
  private readonly quoted: string[];
  /** The text as written, for a name written on one of the client's domains (`written`). */
  private readonly raw: string;

  /** Sites proposed for creation earlier in the same message: "create news.example.com and put https on it". */
  private readonly created: string[] = [];

  constructor(
    private readonly corpus: Corpus,
    text: string,
    private readonly things: ClientThings,
    private readonly lang: Language,
    private readonly picked?: string,
  ) {
    this.raw = text;
    this.names = hostNames(text);
    this.words = words(text);
    this.tokens = tokens(text);
    this.quoted = quoted(text);
  }

  /**
   * An operation's inputs, read the way its words say (`request.fill`); `diagnose` names a
   * site to check. `human`, or an operation this daemon has no words for, is a person's.
   */
  resolve(intent: Intent): Resolved {
    if (intent === 'diagnose') return this.diagnosed();
    const how = this.corpus.operations.get(intent)?.request;
    if (!how) return { status: 'handoff', sentence: handoffSentence(this.lang) };
    const into = (name: string) => ({ [how.input!]: how.input === 'domains' ? [name] : name });
    switch (how.fill) {
      case 'site':
        // A site proposed for creation earlier in the same message: "create news.example.com and secure it".
        if (this.created.length && !how.removes) return this.proposal(this.propose(intent, into(this.created[0])));
        // A certificate for several sites ("boutique.fr et blog.exemple.fr", "the shop and the blog"): all of them.
        // One left beside a site said to have it already ("the blog has one, the shop not yet"): that one.
        if (how.input === 'domains' && this.several(this.things.sites).length > (saidDone(this.raw).length ? 0 : 1))
          return this.proposal(this.propose(intent, { domains: this.several(this.things.sites) }));
        return this.existing(this.things.sites, intent, into);
      case 'domain':
        return this.existing([...new Set([...this.things.sites, ...this.things.domains])], intent, into);
      case 'renewal':
        return this.existing(this.things.sites, intent, (site) => this.renewal(site));
      case 'new-site':
        return this.newSite(intent);
      case 'new-database':
        return this.database(intent);
      case 'database':
        return this.databaseGone(intent);
      case 'written':
        return this.written(intent, how.input!, how.question!);
      default:
        return unhandled(how.fill);
    }
  }

  /** A renewal needs the site's active certificate; a site without one gets its first (the words' `otherwise`). */
  private renewal(site: string): Record<string, unknown> {
    if (!this.things.certificates) return { site };
    const id = this.things.certificates[site];
    return id ? { site, certificate: id } : { domains: [site] };
  }

  /** A name written in the words on one of the client's domains (contact@their.domain, shop.their.domain), else the words' question. */
  private written(intent: Intent, input: string, question: { en: string; fr: string }): Resolved {
    const own = [...new Set([...this.things.domains, ...this.things.sites])];
    const found = this.raw
      .toLowerCase()
      .split(/[\s,;!?()<>"']+/)
      .map(withoutTrailingDots)
      .find((w) => own.some((d) => w !== d && (w.endsWith(`@${d}`) || w.endsWith(`.${d}`))));
    if (found) return this.proposal(this.propose(intent, { [input]: found }));
    return { status: 'question', sentence: question[this.lang], question: { field: input, choices: [] } };
  }

  propose(intent: Intent, inputs: Record<string, unknown>): Proposal {
    const how = this.corpus.operations.get(intent)?.request;
    const playbook: Intent = how?.fill === 'renewal' && !inputs.site && how.otherwise ? how.otherwise : intent;
    const p: Proposal = {
      playbook,
      inputs,
      sentence: proposalSentence(this.corpus.operations, playbook, inputs, this.lang),
    };
    const its = this.corpus.operations.get(playbook)?.request;
    if (its?.dryRunFirst) p.dryRunFirst = true;
    if (its?.removes && its.fill === 'database') {
      const db = (this.things.databases ?? []).find((d) => d.server === inputs.server && d.name === inputs.name);
      p.typeToConfirm = { value: db?.full ?? (inputs.name as string), input: 'confirm' };
    } else if (its?.removes) p.typeToConfirm = { value: String(inputs[its.input ?? 'name']), input: 'confirm' };
    return p;
  }

  private ask(field: string, choices: Choice[], unknown?: string): Resolved {
    return {
      status: 'question',
      sentence: questionSentence(
        field,
        choices.map((c) => c.label),
        this.lang,
        unknown,
      ),
      question: { field, choices },
    };
  }

  private proposal(p: Proposal): Resolved {
    return { status: 'proposal', sentence: p.sentence, proposal: p };
  }

  /** The site the words point to: named (typos forgiven), hinted at by a word ("the blog"), picked in a former answer, or the only one. */
  private target(targets: string[], exact = false): { found?: string; unknown?: string } {
    if (this.picked && targets.includes(this.picked)) return { found: this.picked };
    if (this.names.length) {
      // A removal takes only a site written as it is or mistyped ("remove shop.exemple.fr" is never blog.exemple.fr's removal): else it asks.
      const found = this.names.map((n) => (exact ? sameSite(n, targets) : closest(n, targets))).find(Boolean);
      // A name that is not the client's reads the same whether it is unknown or another tenant's.
      return found ? { found } : { unknown: this.names[0] };
    }
    const hinted = this.byWord(targets);
    if (hinted.length === 1) return { found: hinted[0] };
    if (targets.length === 1) return { found: targets[0] };
    return {};
  }

  /** Every site the words name (typos forgiven) or hint at ("the shop and the blog"); hints only where nothing is protected ("don't touch the shop"). */
  private several(targets: string[]): string[] {
    // "Https for all my sites", « tous mes sites »: every one of them.
    if (
      this.words.some(
        (w, i) => EVERY.has(w) && this.words.slice(i + 1, i + 3).some((x) => /^(sites?|websites?)$/.test(x)),
      )
    )
      return targets;
    const named = this.names.map((n) => closest(n, targets)).filter((x): x is string => !!x);
    // "The blog already has one, the shop still doesn't": a site said to have it already is not asked for.
    const [done, protecting] = [saidDone(this.raw), this.words.some((w) => NEGATORS_BEFORE.has(w))];
    const all = [...new Set([...named, ...(protecting && !done.length ? [] : this.byWord(targets))])];
    const had = done.flatMap((p) => [
      ...hostNames(p).map((n) => closest(n, targets)),
      ...this.byWord(targets, words(p)),
    ]);
    const left = all.filter((t) => !had.includes(t));
    return left.length ? left : all;
  }

  /** An operation on one of the client's sites. */
  private existing(targets: string[], intent: Intent, inputs: (name: string) => Record<string, unknown>): Resolved {
    const t = this.target(targets, this.corpus.operations.get(intent)?.request.removes);
    if (t.found) return this.proposal(this.propose(intent, inputs(t.found)));
    // "A certificate for mycandles.com, bought elsewhere": a domain not on the account yet, a person adds it first.
    const away = this.corpus.operations.get(intent)?.request.removes ? undefined : this.notOwned();
    if (away) return { ...this.notOwnedHandoff(intent, away), wanted: this.propose(intent, inputs(away)) };
    return this.ask(
      'site',
      targets.map((x) => ({ label: x, proposal: this.propose(intent, inputs(x)) })),
      t.unknown,
    );
  }

  /** A site to run the checks on: the route runs them and answers with what they found. */
  private diagnosed(): Resolved {
    if (!this.things.sites.length) return { status: 'handoff', sentence: handoffSentence(this.lang) };
    // A domain that is not a site is checked too ("check my DNS for exemple.fr").
    const t = this.target([...new Set([...this.things.sites, ...this.things.domains])]);
    if (t.found) return { status: 'diagnosis', sentence: '', site: t.found };
    return this.ask(
      'site',
      this.things.sites.map((s) => ({ label: s, intent: 'diagnose' as Intent, site: s })),
      t.unknown,
    );
  }

  /** Targets one of whose labels the text names, or names through an alias ("shop" for boutique.fr). */
  private byWord(targets: string[], ws = this.words): string[] {
    const said = new Set<string>();
    for (const w of ws) {
      if (w.length < 3) continue;
      said.add(w);
      for (const group of this.corpus.aliases) if (group.includes(w)) group.forEach((a) => said.add(a));
    }
    // Each label read once per request (a reseller's 1,000 sites share theirs), each target counted once.
    const words = [...said];
    const seen = new Map<string, boolean>();
    // "la boutik", "le blogue": a label written as it sounds, each word heard once whatever the number of sites.
    const heard = new Set(words.map(heardAs).filter(Boolean));
    const near = (l: string) =>
      (l.length >= 5 && words.some((w) => w.length >= 5 && distance(w, l) <= 1)) ||
      (heard.size > 0 && heard.has(heardAs(l)));
    const hit = (l: string) => seen.get(l) ?? (seen.set(l, said.has(l) || near(l)).get(l) as boolean);
    const counts = targets.map((t) => labels(t).filter(hit).length);
    // "The exemple blog": blog.exemple.fr answers both words, exemple.fr one.
    const most = Math.max(0, ...counts);
    return most ? targets.filter((_, i) => counts[i] === most) : [];
  }

  /** The first name written on none of the client's domains, and what a person is handed for it. */
  private notOwned = () => domainNotOwned(this.names, this.things.domains, this.things.sites);
  private notOwnedHandoff = (intent: Intent, domain: string) =>
    ({
      status: 'handoff',
      topic: 'account',
      sentence: notOwnedSentence(this.corpus.operations, intent, domain, this.lang),
    }) as const;

  /** A new site: a name under one of the client's domains that is not a site yet. */
  private newSite(intent: Intent): Resolved {
    const webserver = this.only(this.things.webservers);
    const free = this.things.domains.filter((d) => !this.things.sites.includes(d));
    const inputs = (domain: string) => ({ domain, webserver: webserver ?? this.things.webservers[0] });
    const choices = free.map((d) => ({ label: d, proposal: this.propose(intent, inputs(d)) }));
    if (!this.things.webservers.length) return { status: 'handoff', sentence: handoffSentence(this.lang) };
    const candidates = this.names.filter(
      (n) => this.things.domains.some((d) => n === d || n.endsWith(`.${d}`)) && !this.things.sites.includes(n),
    );
    // "I already have exemple.fr with you... create recipes.exemple.fr": a new name over the domain it is under.
    const name = candidates.find((n) => !this.things.domains.includes(n)) ?? notUnder(this.raw, candidates[0]);
    // "Un site pour nouveau.fr", a domain not on the account yet: a person adds it, then runs what was asked.
    const notOwned = name ? undefined : this.notOwned();
    if (notOwned) return { ...this.notOwnedHandoff(intent, notOwned), wanted: this.propose(intent, inputs(notOwned)) };
    if (!name)
      return this.ask(
        'domain',
        choices,
        this.names.find((n) => !this.things.sites.includes(n)),
      );
    if (!webserver)
      return this.ask(
        'server',
        this.things.webservers.map((w) => ({
          label: w,
          proposal: this.propose(intent, { domain: name, webserver: w }),
        })),
      );
    this.created.push(name);
    return this.proposal(this.propose(intent, inputs(name)));
  }

  /** The servers for a database: those of the engine the client names, else all of theirs. */
  private servers(): string[] {
    const all = this.things.databaseServers;
    const engines = this.things.databaseEngines ?? {};
    // WordPress, PrestaShop and the like run on MySQL (MariaDB); with no engine named, a web
    // database is a MariaDB one, as on nearly every hosting offer.
    const engine = engineNamed(this.words) ?? (this.words.some((w) => MYSQL_APPS.has(w)) ? 'mariadb' : undefined);
    const matching = all.filter((s) => engines[s] === (engine ?? 'mariadb'));
    return matching.length ? matching : all;
  }

  /** A database: its name from explicit naming, quotes, an application ("pour WordPress") or one of the client's sites. */
  private database(intent: Intent): Resolved {
    const servers = this.servers();
    if (!servers.length) return { status: 'handoff', sentence: handoffSentence(this.lang) };
    const inputs = (name: string, server: string) => ({
      server,
      name,
      ...(this.things.tenantInput ? { tenant: this.things.tenantInput } : {}),
    });
    const name = this.databaseName();
    const server = this.only(servers);
    if (!name) {
      // The site the words point to first ("une base pour la boutique"): a suggestion, never a name chosen silently.
      const sites = [
        ...this.names.map((n) => closest(n, this.things.sites)),
        ...this.byWord(this.things.sites),
        ...this.things.sites,
      ];
      const suggested = [...new Set(sites.map((s) => s && dbName(labels(s)[0])).filter(Boolean))].slice(
        0,
        3,
      ) as string[];
      return this.ask(
        'name',
        suggested.map((n) => ({
          label: n,
          proposal: this.propose(intent, inputs(n, server ?? servers[0])),
        })),
      );
    }
    if (!server)
      return this.ask(
        'server',
        servers.map((s) => ({ label: s, proposal: this.propose(intent, inputs(name, s)) })),
      );
    return this.proposal(this.propose(intent, inputs(name, server)));
  }

  private databaseName(): string | undefined {
    const explicit = this.quoted.map(quotedName).find(Boolean) ?? namedAfterMarker(this.tokens);
    if (explicit) return explicit;
    for (const w of this.words) {
      const app = this.corpus.apps.find((a) => a === w || (w.length >= 6 && distance(a, w) <= 1));
      if (app) return app;
    }
    // "Une base agenda", "a clients database": the word beside the kind of thing, when it is no common word.
    const beside = besideDatabaseWord(this.tokens);
    if (beside) return beside;
    // "A database for the blog" names no database: the site's name is offered as a choice, never chosen silently.
    return undefined;
  }

  /** A database to delete: one of the client's, named; never a name the client does not have. */
  private databaseGone(intent: Intent): Resolved {
    const dbs = this.things.databases ?? [];
    if (!dbs.length) return { status: 'handoff', sentence: handoffSentence(this.lang) };
    const inputs = (d: OwnDatabase) => ({
      server: d.server,
      name: d.name,
      ...(this.things.tenantInput ? { tenant: this.things.tenantInput } : {}),
    });
    const engine = engineNamed(this.words);
    const engines = this.things.databaseEngines ?? {};
    let found = databasesNamed(this.tokens, this.quoted, dbs);
    // "Don't touch clients, delete test_old": the one the removal verb is about.
    const object = removal(this.raw, [...dbs.map((d) => d.name)]).object;
    const named = found.filter((d) => databasesNamed(object, [], [d]).length);
    if (found.length > 1 && named.length) found = named;
    if (found.length > 1 && engine) found = found.filter((d) => engines[d.server] === engine);
    if (found.length === 1) return this.proposal(this.propose(intent, inputs(found[0])));
    const choices = (found.length ? found : dbs).map((d) => ({
      label: `${d.full ?? d.name}`,
      proposal: this.propose(intent, inputs(d)),
    }));
    return this.ask('database', choices);
  }

  private only(items: string[]): string | undefined {
    return items.length === 1 ? items[0] : undefined;
  }
}

/** A way of filling inputs nobody handled: a compile error while its `case` is missing (the words' schema lets no other through). */
function unhandled(fill: never): Resolved {
  throw new Error(`no way to read the inputs of "${String(fill)}" from words`);
}

/** A word without the dots and colons ending it ("shop.exemple.fr."); a loop, not a pattern anchored at the end (test/hostile/request-text.test.ts). */
function withoutTrailingDots(w: string): string {
  let end = w.length;
  while (end > 0 && (w[end - 1] === '.' || w[end - 1] === ':')) end--;
  return w.slice(0, end);
}

/** Applications that need MySQL or MariaDB. */
const MYSQL_APPS = new Set(['wordpress', 'wordpres', 'prestashop', 'joomla', 'magento', 'matomo', 'woocommerce', 'wp']);

/**
 * The client's name written exactly (a leading "www." aside) or its first label mistyped by a letter or as it sounds
 * (./site-names.ts's `mistypedSite`): what a removal may target. Never another name near it ("shop.exemple.fr" for
 * blog.exemple.fr, "boutiques.fr" for boutique.fr), as `closest` forgives elsewhere.
 */
function sameSite(written: string, names: string[]): string | undefined {
  const bare = written.replace(/^www\./, '');
  return names.includes(written) ? written : names.includes(bare) ? bare : mistypedSite(bare, names);
}
