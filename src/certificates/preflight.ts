import { mapLimit, Semaphore } from '../util/concurrency.js';
import { budgetStatus } from './budget.js';
import { TokenNotPlaced, withTestToken } from './test-token.js';
import type { Config, WebserverConfig } from '../config/schema.js';
import type { CertificateStore } from '../store/certificates.js';
import type { Target } from '../targets/target.js';
import { checkCaa, type CaIdentity } from '../dns/caa.js';
import { check, severity, type Check, type Diagnosis } from '../dns/check.js';
import { checkAddresses, checkHttpTokens, type AddressFacts } from '../dns/checks-addresses.js';
import { checkDns01 } from '../dns/checks-dns01.js';
import { checkDnssec } from '../dns/checks-dnssec.js';
import { checkNameservers } from '../dns/checks-nameservers.js';
import { checkVantagePoints, type VantagePoint } from '../dns/checks-vantage.js';
import type { WireAnswer } from '../dns/wire.js';
import { DnsProviders } from '../dns/provider.js';
import * as msg from '../dns/messages.js';
import { checkName, type NameFacts } from '../dns/names.js';
import type { DnsClient } from '../dns/resolver.js';

/** How control of the names is proved. */
export type Challenge = 'http-01' | 'dns-01';

/** The web server a certificate is for: where the test token is placed and which addresses are "this server". */
export interface PreflightWebserver {
  name: string;
  config: WebserverConfig;
  target: Target;
}

/** What to check: the names, the method, and the web server they must reach. */
export interface PreflightRequest {
  domains: string[];
  challenge: Challenge;
  webserver?: PreflightWebserver;
}

/** What the checks use: DNS, the CAs' CAA identities, the budget, the DNS providers. */
export interface PreflightDeps {
  config: Config;
  dns: DnsClient;
  /** The configured CAs in order, with what CAA records must name to allow them. */
  cas: CaIdentity[];
  /** For the failed-validation budget; without it the budget is not checked. */
  certificates?: CertificateStore;
  /** Where dns-01 proofs can be written; none when absent. */
  providers?: DnsProviders;
  now?: () => Date;
  /** Timeout of each HTTP probe. */
  httpTimeoutMs?: number;
}

/** Whether the registered domain exists: SOA first; when the DNS will not say, records of the name itself prove it. */
async function checkExists(
  dns: DnsClient,
  name: string,
  registered: string,
  suffix: string,
  cache: Map<string, Promise<Check>>,
): Promise<Check> {
  let pending = cache.get(registered);
  if (!pending) {
    pending = (async () => {
      const soa = await dns.soa(registered);
      if (soa.status === 'ok')
        return check('domain-exists', registered, 'ok', msg.exists.ok(name, registered), {
          soa: soa.records[0]?.nsname,
        });
      if (soa.status === 'nxdomain') {
        // A resolver that says "no such domain" for everything must not make a client believe
        // their domain is gone: ask it about the extension itself, which always exists.
        if (suffix && (await dns.soa(suffix)).status === 'nxdomain')
          return check('domain-exists', registered, 'failure', msg.exists.resolverUntrusted(name, registered, suffix), {
            soa: 'NXDOMAIN',
            suffix: 'NXDOMAIN',
          });
        return check('domain-exists', registered, 'failure', msg.exists.nxdomain(name, registered), {
          soa: 'NXDOMAIN',
        });
      }
      // NODATA or an unanswered SOA question: any record under the domain proves it exists.
      const probe = await Promise.all([
        dns.a(registered),
        dns.aaaa(registered),
        dns.a(name.replace(/^\*\./, '')),
        dns.ns(registered),
      ]);
      if (probe.some((p) => p.status === 'ok' || p.status === 'nodata'))
        return check('domain-exists', registered, 'ok', msg.exists.ok(name, registered), {
          soa: soa.code ?? soa.status,
        });
      if (probe.every((p) => p.status === 'nxdomain'))
        return check('domain-exists', registered, 'failure', msg.exists.nxdomain(name, registered), {
          soa: 'NXDOMAIN',
        });
      return check(
        'domain-exists',
        registered,
        'failure',
        msg.exists.lookupFailed(name, registered, soa.code ?? 'error'),
        { soa: soa.code },
      );
    })();
    cache.set(registered, pending);
  }
  const c = await pending;
  return { ...c, domain: name };
}

/**
 * The preflight: every check a CA would fail on, run locally and in parallel before any
 * order, plus what goes further than Let's Debug (each address must be this server,
 * the exact token must come back over each A and each AAAA). Changes nothing but a
 * temporary token file in the challenge folder.
 */
export async function runPreflight(req: PreflightRequest, deps: PreflightDeps): Promise<Diagnosis> {
  const started = Date.now();
  const now = deps.now?.() ?? new Date();
  const extra = deps.config.dns.extraSuffixes;
  const names: NameFacts[] = req.domains.map((d) => checkName(d, extra));
  const checks: Check[] = names.flatMap((n) => n.checks);
  const valid = names.filter((n) => n.ascii && n.registered) as (NameFacts & { ascii: string; registered: string })[];
  let allowedCas = deps.cas.map((c) => c.name);

  for (const n of valid) {
    if (n.wildcard && req.challenge === 'http-01')
      checks.push(check('wildcard-challenge', n.ascii, 'failure', msg.wildcard.needsDns(n.ascii)));
  }

  const existsCache = new Map<string, Promise<Check>>();
  const dsCache = new Map<string, Promise<WireAnswer | null>>();
  const addressFacts: AddressFacts[] = [];
  const dnsConf = deps.config.dns;
  // The questions to every nameserver of every name, bounded so a long list of names does not
  // flood the DNS hosts (nor lose packets to our own socket buffers) while staying concurrent.
  const wire = new Semaphore(32);
  const places: VantagePoint[] = dnsConf.vantagePoints.map((p) => ({ name: p.name, dns: deps.dns.at(p.resolvers) }));
  const perName = await mapLimit(valid, 16, async (n) => {
    const out: Check[] = [];
    const [exists, caa, dnssec, nameservers, vantage] = await Promise.all([
      checkExists(deps.dns, n.ascii, n.registered, n.suffix ?? '', existsCache),
      checkCaa(deps.dns, n.ascii, n.suffix ?? '', req.challenge, deps.cas),
      wire.run(() =>
        checkDnssec(
          n.ascii,
          n.registered,
          { resolver: deps.dns.asked()[0] ?? '127.0.0.1', timeoutMs: dnsConf.timeoutMs, now },
          dsCache,
        ),
      ),
      checkNameservers(deps.dns, n.ascii, {
        fallback: dnsConf.authoritative,
        port: dnsConf.nameserverPort,
        timeoutMs: dnsConf.timeoutMs,
        limit: wire,
      }),
      checkVantagePoints(deps.dns, 'primary', places, n.ascii),
    ]);
    out.push(exists, caa.check, dnssec, nameservers, vantage);
    allowedCas = allowedCas.filter((c) => caa.allowed.includes(c));
    if (!n.wildcard) {
      const facts = await checkAddresses(deps.dns, n.ascii, req.challenge, req.webserver?.config);
      out.push(...facts.checks);
      if (facts.a.length || facts.aaaa.length) addressFacts.push(facts);
    }
    if (req.challenge === 'dns-01')
      out.push(
        ...(await checkDns01(deps.dns, n.ascii, n.registered, deps.providers ?? new DnsProviders([]), {
          authoritative: deps.config.dns.authoritative,
          nameserverPort: dnsConf.nameserverPort,
          delegationZone: deps.config.dns.delegationZone,
          extraSuffixes: extra,
        })),
      );
    if (deps.certificates) {
      const statuses = await Promise.all(
        deps.cas.map((ca) => budgetStatus(deps.certificates!, deps.config.acme.failureBudget, ca.name, n.ascii, now)),
      );
      const open = statuses.filter((s) => !s.retryAt);
      if (statuses.length && open.length === 0) {
        const soonest = statuses.reduce((a, b) => (a.retryAt! < b.retryAt! ? a : b));
        out.push(
          check(
            'failure-budget',
            n.ascii,
            'failure',
            msg.budget.exceeded(n.ascii, soonest.ca, soonest.used, soonest.windowMinutes, soonest.retryAt!, now),
            { ...soonest, retryAt: soonest.retryAt!.toISOString() },
          ),
        );
      } else if (statuses.length) {
        const first = open[0];
        out.push(
          check('failure-budget', n.ascii, 'ok', msg.budget.ok(n.ascii, first.used, first.max), {
            ca: first.ca,
            used: first.used,
            max: first.max,
          }),
        );
        const closed = statuses.filter((s) => s.retryAt).map((s) => s.ca);
        allowedCas = allowedCas.filter((c) => !closed.includes(c));
      }
    }
    return out;
  });
  checks.push(...perName.flat());

  if (req.challenge === 'http-01' && req.webserver && addressFacts.length) {
    const ws = req.webserver;
    try {
      checks.push(
        ...(await withTestToken(ws.target, ws.config.challengeRoot, (token) =>
          checkHttpTokens(deps.dns, addressFacts, ws.config, token, deps.httpTimeoutMs ?? 5000),
        )),
      );
    } catch (thrown) {
      if (!(thrown instanceof TokenNotPlaced)) throw thrown;
      const err = thrown.cause as Error;
      for (const f of addressFacts) {
        // The folder and the system's words are the provider's to read (adminDetail), not the client's.
        checks.push({
          ...check('http-token', f.name, 'failure', {
            title: { en: 'Web check', fr: 'Test web' },
            message: {
              en: 'serein could not place a test file on the web server.',
              fr: "serein n'a pas pu déposer de fichier de test sur le serveur web.",
            },
            fix: {
              en: "Your provider must let serein write in the web server's proof folder; then try again.",
              fr: "Votre hébergeur doit permettre à serein d'écrire dans le dossier de preuves du serveur web, puis réessayez.",
            },
          }),
          adminDetail: { challengeRoot: ws.config.challengeRoot, error: err.message },
        });
      }
    }
  }

  if (deps.cas.length && allowedCas.length === 0 && !checks.some((c) => c.status === 'failure')) {
    checks.push(
      check('caa', valid[0]?.ascii ?? req.domains[0] ?? '', 'failure', {
        title: { en: 'Allowed certificate authorities (CAA)', fr: 'Autorités de certification permises (CAA)' },
        message: {
          en: 'No single certificate authority is allowed, by the CAA records and attempt limits, for all these names together.',
          fr: "Aucune autorité de certification n'est permise, par les enregistrements CAA et les limites de tentatives, pour tous ces noms à la fois.",
        },
        fix: {
          en: 'Request the names in separate certificates, or align their CAA records.',
          fr: 'Demandez les noms dans des certificats séparés, ou harmonisez leurs enregistrements CAA.',
        },
      }),
    );
  }
  const order = new Map<string, number>();
  names.forEach((n, i) => {
    order.set(n.raw, i);
    if (n.ascii) order.set(n.ascii, i);
    if (n.registered && !order.has(n.registered)) order.set(n.registered, i);
  });
  const rank = (c: Check) => order.get(c.domain) ?? names.length;
  checks.sort((a, b) => rank(a) - rank(b) || severity[a.status] - severity[b.status]);
  const domains = names.map((n) => n.ascii ?? n.raw);
  const ok = !checks.some((c) => c.status === 'failure');
  return {
    ok,
    challenge: req.challenge,
    domains,
    checks,
    cas: allowedCas,
    resolvers: deps.dns.asked(),
    tookMs: Date.now() - started,
  };
}
