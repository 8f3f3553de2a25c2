import type { OperationError } from '../errors.js';
import { dnsPropagation, dnsProviderMissing, dnsZoneUnavailable } from './errors.js';
import { proofLocation, type ProofLocation, type ProofOptions } from '../dns/checks-dns01.js';
import { mayAsk } from '../dns/checks-nameservers.js';
import { cloudflareReason } from '../dns/cloudflare.js';
import * as msg from '../dns/messages.js';
import type { DnsProviders, Located } from '../dns/provider.js';
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
export interface ProofItem {
  domain: string;
  token: string;
  keyAuthorization: string;
}

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
    const write = () =>
      Promise.all(
        items.map((i) =>
          this.target.writeFile(challengeFile(this.challengeRoot, i.token), i.keyAuthorization, {
            mode: 0o644,
            durable: false,
          }),
        ),
      );
    try {
      await write();
    } catch {
      // The folder is made only when missing (the preflight usually made it just before):
      // under load each target operation queues behind the other jobs' writes. A token lives
      // seconds: written atomically but not flushed, as a crash loses nothing it needs.
      await this.target.mkdir(challengeFile(this.challengeRoot, '').replace(/\/$/, ''), { mode: 0o755 });
      await write();
    }
  }

  async cleanup(items: ProofItem[]): Promise<void> {
    await Promise.all(
      items.map((i) => this.target.remove(challengeFile(this.challengeRoot, i.token)).catch(() => undefined)),
    );
  }
}

/** What a dns-01 solver needs from the config. */
export interface Dns01Options extends ProofOptions {
  /** Asked when a zone's NS give no address (split horizon, a lab). */
  authoritative: string[];
  /** The port the zone's nameservers answer on (`dns.nameserverPort`). */
  nameserverPort: number;
  /** Longest wait for every nameserver to show the proof. */
  timeoutMs: number;
  log?: (m: string, d?: Record<string, unknown>) => void;
}

/**
 * dns-01 through whichever DNS provider holds the zone (Cloudflare, RFC 2136, PowerDNS):
 * writes `_acme-challenge` TXT records (following a CNAME delegation), then waits until
 * every authoritative nameserver returns the value, polling with short backoff, before
 * the CA is asked to look.
 */
export class Dns01Solver implements ChallengeSolver {
  readonly type = 'dns-01' as const;
  private readonly written = new Map<string, { located: Located; name: string; value: string }[]>();

  constructor(
    private readonly providers: DnsProviders,
    private readonly dns: DnsClient,
    private readonly opts: Dns01Options,
  ) {}

  async present(items: ProofItem[], signal?: AbortSignal): Promise<void> {
    const expected = new Map<string, Set<string>>();
    await Promise.all(
      items.map(async (i) => {
        const loc = await proofLocation(this.dns, this.providers, i.domain, this.opts);
        if (loc.problem || !loc.located) throw zoneError(i.domain, loc);
        const value = dns01Value(i.keyAuthorization);
        try {
          await loc.located.provider.addTxt(loc.located.zone, loc.writeAt, value, 60);
        } catch (err) {
          throw zoneError(i.domain, { ...loc, error: cloudflareReason(err) });
        }
        const list = this.written.get(i.token) ?? [];
        list.push({ located: loc.located, name: loc.writeAt, value });
        this.written.set(i.token, list);
        if (!expected.has(loc.writeAt)) expected.set(loc.writeAt, new Set());
        expected.get(loc.writeAt)!.add(value);
      }),
    );
    const deadline = Date.now() + this.opts.timeoutMs;
    await Promise.all([...expected].map(([name, values]) => this.waitEverywhere(name, values, deadline, signal)));
  }

  /** Polls each authoritative server of `name` until it returns every expected value. */
  private async waitEverywhere(
    name: string,
    values: Set<string>,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<void> {
    // The zone's NS records are the client's to write: an address the preflight would not ask
    // (the provider's inside) is not polled either; with none left, the configured resolver is.
    const port = this.opts.nameserverPort;
    const auth = await authoritativeServers(this.dns, name, {
      fallback: this.opts.authoritative,
      port,
      allowed: (address) => mayAsk(address, port),
    });
    const servers = auth.servers.map((s) => s.at);
    const clients = servers.length
      ? servers.map((s) => ({ s, c: this.dns.at([s]) }))
      : [{ s: 'system resolver', c: this.dns }];
    const started = Date.now();
    await Promise.all(
      clients.map(async ({ s, c }) => {
        let delay = 50;
        for (;;) {
          const r = await c.txt(name);
          if ([...values].every((v) => r.records.includes(v))) return;
          if (Date.now() + delay > deadline) {
            throw dnsPropagation(
              name,
              s,
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
      items.flatMap((i) =>
        (this.written.get(i.token) ?? []).map((w) =>
          w.located.provider.removeTxt(w.located.zone, w.name, w.value).catch(() => undefined),
        ),
      ),
    );
    for (const i of items) this.written.delete(i.token);
  }
}

/** Why the proof of `domain` cannot be written, with the fix; the provider's answer goes to admins only. */
function zoneError(domain: string, loc: ProofLocation): OperationError {
  const e =
    loc.problem === 'no-provider'
      ? msg.dns01.noProvider(domain)
      : loc.problem === 'cname-missing'
        ? msg.dns01.cnameMissing(domain, loc.at, loc.expected!)
        : loc.problem === 'cname-wrong'
          ? msg.dns01.cnameWrong(domain, loc.at, loc.writeAt, loc.expected!)
          : loc.problem === 'cname-elsewhere'
            ? msg.dns01.cnameElsewhere(domain, loc.at, loc.writeAt, loc.expected)
            : msg.dns01.zoneMissing(domain);
  const where = loc.located ? ` (${loc.located.provider.label}, zone ${loc.located.zone})` : '';
  const words = { message: e.message, hint: e.fix ?? e.message };
  const detail = `${loc.writeAt}${where}: ${loc.error ?? loc.problem ?? 'write failed'}`;
  return loc.problem === 'no-provider' ? dnsProviderMissing(words, detail) : dnsZoneUnavailable(domain, detail, words);
}
