import { OperationError } from '../errors.js';
import { challengeRecordName } from '../dns/checks-dns01.js';
import { cloudflareReason, type CloudflareDns } from '../dns/cloudflare.js';
import { authoritativeServers, type DnsClient } from '../dns/resolver.js';
import type { Target } from '../targets/target.js';
import { dns01Value } from '../acme/jws.js';
import { wait } from '../util/concurrency.js';

/**
 * Where an http-01 token file goes: `challengeRoot` is the root nginx serves
 * /.well-known/acme-challenge/ from (`root`, not `alias`), for every name.
 */
export function challengeFile(challengeRoot: string, token: string): string {
  return `${challengeRoot.replace(/\/+$/, '')}/.well-known/acme-challenge/${token}`;
}

/** One proof to publish: the name, the CA's token, and the key authorization for it. */
export interface ProofItem { domain: string; token: string; keyAuthorization: string }

/**
 * Publishes ACME proofs and removes them. `present` resolves only once the CA can see
 * every proof, so the CA is never asked to validate too early.
 */
export interface ChallengeSolver {
  readonly type: 'http-01' | 'dns-01';
  present(items: ProofItem[], signal?: AbortSignal): Promise<void>;
  /** Removes what present() published; never throws. */
  cleanup(items: ProofItem[]): Promise<void>;
}

/** http-01 through the web server's challenge folder (served at /.well-known/acme-challenge/ for every name). */
export class HttpSolver implements ChallengeSolver {
  readonly type = 'http-01' as const;

  constructor(
    private readonly target: Target,
    private readonly challengeRoot: string,
  ) {}

  async present(items: ProofItem[]): Promise<void> {
    if (!items.length) return;
    await this.target.mkdir(challengeFile(this.challengeRoot, '').replace(/\/$/, ''), { mode: 0o755 });
    await Promise.all(items.map((i) => this.target.writeFile(challengeFile(this.challengeRoot, i.token), i.keyAuthorization, { mode: 0o644 })));
  }

  async cleanup(items: ProofItem[]): Promise<void> {
    await Promise.all(items.map((i) => this.target.remove(challengeFile(this.challengeRoot, i.token)).catch(() => undefined)));
  }
}

/**
 * dns-01 through Cloudflare: writes `_acme-challenge` TXT records (following a CNAME
 * delegation), then waits until every authoritative nameserver returns the value,
 * polling with short backoff, before the CA is asked to look.
 */
export class CloudflareSolver implements ChallengeSolver {
  readonly type = 'dns-01' as const;
  private readonly created = new Map<string, { zoneId: string; id: string }[]>();

  constructor(
    private readonly cloudflare: CloudflareDns,
    private readonly dns: DnsClient,
    private readonly opts: { authoritative: string[]; timeoutMs: number; log?: (m: string, d?: Record<string, unknown>) => void },
  ) {}

  async present(items: ProofItem[], signal?: AbortSignal): Promise<void> {
    const expected = new Map<string, Set<string>>();
    await Promise.all(
      items.map(async (i) => {
        const { at, delegatedTo } = await challengeRecordName(this.dns, i.domain);
        const name = delegatedTo ?? at;
        const value = dns01Value(i.keyAuthorization);
        let zone;
        try {
          zone = await this.cloudflare.findZone(name);
        } catch (err) {
          throw zoneError(i.domain, cloudflareReason(err));
        }
        if (!zone) throw zoneError(i.domain, 'no zone found');
        const rec = await this.cloudflare.create(zone.id, { type: 'TXT', name, content: value, ttl: 60 });
        const list = this.created.get(i.token) ?? [];
        list.push({ zoneId: zone.id, id: rec.id });
        this.created.set(i.token, list);
        if (!expected.has(name)) expected.set(name, new Set());
        expected.get(name)!.add(value);
      }),
    );
    const deadline = Date.now() + this.opts.timeoutMs;
    await Promise.all([...expected].map(([name, values]) => this.waitEverywhere(name, values, deadline, signal)));
  }

  /** Polls each authoritative server of `name` until it returns every expected value. */
  private async waitEverywhere(name: string, values: Set<string>, deadline: number, signal?: AbortSignal): Promise<void> {
    const auth = await authoritativeServers(this.dns, name, this.opts.authoritative);
    const servers = auth.servers.length ? auth.servers.map((s) => s.address) : [];
    const clients = servers.length ? servers.map((s) => ({ s, c: this.dns.at([s]) })) : [{ s: 'system resolver', c: this.dns }];
    const started = Date.now();
    await Promise.all(
      clients.map(async ({ s, c }) => {
        let delay = 50;
        for (;;) {
          const r = await c.txt(name);
          if ([...values].every((v) => r.records.includes(v))) return;
          if (Date.now() + delay > deadline) {
            throw new OperationError(
              'dns_propagation',
              {
                en: `The DNS proof record ${name} did not appear on the nameserver ${s} in time.`,
                fr: `L'enregistrement DNS de preuve ${name} n'est pas apparu à temps sur le serveur de noms ${s}.`,
              },
              {
                en: 'Check that every nameserver of the domain is up to date (same zone everywhere), then try again.',
                fr: 'Vérifiez que tous les serveurs de noms du domaine sont à jour (même zone partout), puis réessayez.',
              },
              `${name} not visible on ${s} (${r.status}) after ${Math.round((Date.now() - started) / 1000)} s`,
            );
          }
          await wait(delay, signal);
          delay = Math.min(delay * 2, 2000);
        }
      }),
    );
    this.opts.log?.(`TXT ${name} visible on ${clients.length} nameserver(s) after ${Date.now() - started} ms`);
  }

  async cleanup(items: ProofItem[]): Promise<void> {
    await Promise.all(
      items.flatMap((i) => (this.created.get(i.token) ?? []).map((r) => this.cloudflare.delete(r.zoneId, r.id).catch(() => undefined))),
    );
    for (const i of items) this.created.delete(i.token);
  }
}

function zoneError(domain: string, why: string): OperationError {
  return new OperationError(
    'dns_zone_unavailable',
    {
      en: `serein cannot write in the DNS of ${domain}: the Cloudflare account has no zone for it, or the API token may not edit it.`,
      fr: `serein ne peut pas écrire dans le DNS de ${domain} : le compte Cloudflare n'a pas de zone pour ce nom, ou le jeton d'API n'a pas le droit de la modifier.`,
    },
    { en: 'Give the API token "Zone / DNS / Edit" on that zone, or use the http-01 method.', fr: 'Donnez au jeton d’API « Zone / DNS / Modifier » sur cette zone, ou utilisez la méthode http-01.' },
    why,
  );
}
