import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * How one DNS question ended. `nodata`: the name exists but has no record of that type;
 * `nxdomain`: the name does not exist; `error`: no usable answer (timeout, SERVFAIL,
 * refused, not implemented), which is not the same as "no record".
 */
export type LookupStatus = 'ok' | 'nodata' | 'nxdomain' | 'error';

/** An answer with its status, so callers never confuse "none" with "could not ask". */
export interface Lookup<T> {
  status: LookupStatus;
  records: T[];
  code?: string;
}

/** One CAA record: flags (128 = critical), tag, value. */
export interface CaaRecord {
  critical: number;
  tag: string;
  value: string;
}
/** The parts of an SOA record the checks read. */
export interface SoaRecord {
  nsname: string;
  hostmaster: string;
  serial: number;
}

const STATUS: Record<string, LookupStatus> = { ENODATA: 'nodata', ENOTFOUND: 'nxdomain' };

/** Normalises "ip", "ip:port", "[v6]:port" and bare IPv6 into what node's Resolver accepts. */
export function serverAddress(s: string): string {
  if (isIP(s) === 6) return `[${s}]:53`;
  if (isIP(s) === 4) return `${s}:53`;
  return s;
}

/**
 * DNS questions asked to the configured resolvers (or to chosen servers, such as a
 * zone's authoritative nameservers). Every lookup reports whether the answer is
 * "nothing there" or "could not tell", which the diagnosis must tell apart.
 */
export class DnsClient {
  private readonly resolver: Resolver;

  constructor(
    readonly servers: string[],
    private readonly timeoutMs = 2500,
  ) {
    this.resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
    if (servers.length) this.resolver.setServers(servers.map(serverAddress));
  }

  /** The servers this client asks, as addresses: the configured ones, else the system's (resolv.conf). */
  asked(): string[] {
    return this.resolver.getServers();
  }

  /** A client asking these servers instead (e.g. one authoritative nameserver). */
  at(servers: string[]): DnsClient {
    return new DnsClient(servers, this.timeoutMs);
  }

  /**
   * The same question asked again while it is still out gets that answer, not another
   * packet: jobs checked at once share their parent domain's SOA, NS and CAA questions,
   * and a burst of them otherwise loses packets to the resolver (then waits a retry).
   */
  private readonly inflight = new Map<string, Promise<Lookup<unknown>>>();

  private async ask<T>(question: string, fn: () => Promise<T[]>): Promise<Lookup<T>> {
    const key = question.toLowerCase();
    let pending = this.inflight.get(key) as Promise<Lookup<T>> | undefined;
    if (!pending) {
      pending = (async (): Promise<Lookup<T>> => {
        try {
          const records = await fn();
          return { status: records.length ? 'ok' : 'nodata', records };
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
          return { status: STATUS[code] ?? 'error', records: [], code };
        } finally {
          this.inflight.delete(key);
        }
      })();
      this.inflight.set(key, pending);
    }
    const answer = await pending;
    return { ...answer, records: [...answer.records] }; // each caller its own list
  }

  a(name: string): Promise<Lookup<string>> {
    return this.ask(`A ${name}`, () => this.resolver.resolve4(name));
  }

  aaaa(name: string): Promise<Lookup<string>> {
    return this.ask(`AAAA ${name}`, () => this.resolver.resolve6(name));
  }

  cname(name: string): Promise<Lookup<string>> {
    return this.ask(`CNAME ${name}`, () => this.resolver.resolveCname(name));
  }

  ns(name: string): Promise<Lookup<string>> {
    return this.ask(`NS ${name}`, () => this.resolver.resolveNs(name));
  }

  /** TXT values, each record's strings joined as the CA reads them. */
  txt(name: string): Promise<Lookup<string>> {
    return this.ask(`TXT ${name}`, async () => (await this.resolver.resolveTxt(name)).map((chunks) => chunks.join('')));
  }

  soa(name: string): Promise<Lookup<SoaRecord>> {
    return this.ask(`SOA ${name}`, async () => {
      const r = await this.resolver.resolveSoa(name);
      return [{ nsname: r.nsname, hostmaster: r.hostmaster, serial: r.serial }];
    });
  }

  /** CAA records as {critical flags, tag, value}; node reports the tag as a property name. */
  caa(name: string): Promise<Lookup<CaaRecord>> {
    return this.ask(`CAA ${name}`, async () =>
      (await this.resolver.resolveCaa(name)).map((r) => {
        const { critical, ...rest } = r as unknown as Record<string, unknown> & { critical: number };
        const [tag, value] = Object.entries(rest)[0] ?? ['', ''];
        return { critical: Number(critical) || 0, tag: tag.toLowerCase(), value: String(value) };
      }),
    );
  }

  /** A and AAAA together. */
  async addresses(name: string): Promise<{ a: Lookup<string>; aaaa: Lookup<string> }> {
    const [a, aaaa] = await Promise.all([this.a(name), this.aaaa(name)]);
    return { a, aaaa };
  }
}

/**
 * How many of a zone's NS hosts are asked, and how many addresses of each (an IPv4 and an
 * IPv6 one first): NS records are the client's to write, and without a cap a zone listing
 * hundreds of hosts, or hosts with hundreds of addresses, would make every preflight send
 * that many questions (to a victim's addresses, say). A CA's resolver asks one of them.
 */
export const NS_HOSTS_ASKED = 8;
/** Addresses asked per NS host: one per family is what "over IPv4 and IPv6" needs (NS_HOSTS_ASKED says why a cap). */
export const ADDRESSES_PER_HOST = 2;

/**
 * The servers of a zone, and the addresses of its NS hosts that the caller's policy refused (never asked).
 * Each server's `at` is what to ask: its address on the nameserver port, or a configured fallback as written.
 */
export interface Authoritative {
  zone: string | null;
  servers: { name: string; address: string; at: string }[];
  fromNs: boolean;
  refused: { name: string; address: string }[];
}

/** How the servers of a zone are reached: the nameserver port, the fallback, and which addresses may be asked. */
export interface AuthoritativeOptions {
  /** Asked when the resolvers give no NS answer: `dns.authoritative` (`ip` or `ip:port`), else the resolvers. */
  fallback: string[];
  /** The port the hosts named in NS records answer on: `dns.nameserverPort` (53; a lab runs its DNS elsewhere). */
  port: number;
  /** Judges each address before it is kept (the preflight refuses what is not public). */
  allowed?: (address: string) => boolean;
}

/** A bare address from an NS record, with the nameserver port, as the resolvers and `ask` take it. */
export const nameserverAt = (address: string, port: number) =>
  isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;

/** At most ADDRESSES_PER_HOST of a host's addresses, one per family first, in a stable order. */
function pick(a: string[], aaaa: string[]): string[] {
  const [v4, v6] = [[...new Set(a)].sort(), [...new Set(aaaa)].sort()];
  const first = [v4[0], v6[0]].filter((x): x is string => x !== undefined);
  return [...first, ...v4.slice(1), ...v6.slice(1)].slice(0, ADDRESSES_PER_HOST);
}

/**
 * The servers that hold the zone of `name` for real: the NS of the closest enclosing
 * zone, resolved to addresses (capped: see NS_HOSTS_ASKED), each to be asked on the
 * nameserver port. `allowed` judges each address before it is kept; a zone whose addresses
 * are all refused is still the zone, with no server to ask. When the resolvers give no NS
 * answer (split horizon, a test DNS), the configured `dns.authoritative` servers are used,
 * then the resolvers.
 */
export async function authoritativeServers(
  dns: DnsClient,
  name: string,
  { fallback, port, allowed = () => true }: AuthoritativeOptions,
): Promise<Authoritative> {
  const labels = name.replace(/^\*\./, '').split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const zone = labels.slice(i).join('.');
    const ns = await dns.ns(zone);
    if (ns.status !== 'ok') continue;
    const hosts = [...new Set(ns.records.map((h) => h.toLowerCase()))].sort().slice(0, NS_HOSTS_ASKED);
    const found = await Promise.all(hosts.map(async (host) => ({ host, ...(await dns.addresses(host)) })));
    const servers: Authoritative['servers'] = [];
    const refused: { name: string; address: string }[] = [];
    const seen = new Set<string>();
    for (const { host, a, aaaa } of found) {
      // One address shared by several hosts is asked once; refused ones are kept (capped) to be named.
      const keep = (list: string[]) =>
        list.filter((address) => {
          if (seen.has(address)) return false;
          if (allowed(address)) return true;
          if (refused.length < NS_HOSTS_ASKED * ADDRESSES_PER_HOST && !refused.some((r) => r.address === address))
            refused.push({ name: host, address });
          return false;
        });
      for (const address of pick(keep(a.records), keep(aaaa.records))) {
        seen.add(address);
        servers.push({ name: host, address, at: nameserverAt(address, port) });
      }
    }
    if (servers.length || refused.length)
      return { zone, servers: servers.sort((x, y) => x.address.localeCompare(y.address)), fromNs: true, refused };
  }
  const list = fallback.length ? fallback : dns.servers;
  return { zone: null, servers: list.map((s) => ({ name: s, address: s, at: s })), fromNs: false, refused: [] };
}
