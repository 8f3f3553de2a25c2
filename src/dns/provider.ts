import { invalidRecordName } from './errors.js';

/** The record types serein writes: TXT for dns-01 proofs, A/AAAA/CAA for dns.fix. */
export type RecordType = 'A' | 'AAAA' | 'CAA' | 'TXT';

/**
 * One DNS host serein can write to (Cloudflare, an RFC 2136 server such as BIND, Knot or
 * PowerDNS, the PowerDNS HTTP API), behind the same few operations, so that dns-01 and
 * dns.fix never depend on which one holds a zone. Names are fully qualified, lower case,
 * without the final dot; contents are presentation text (CAA `0 issue "ca.example"`,
 * TXT unquoted).
 */
export interface DnsProvider {
  /** What kind it is, for people (clients see only this): "Cloudflare", "PowerDNS", "RFC 2136". */
  readonly kind: 'cloudflare' | 'rfc2136' | 'powerdns';
  /** Where it is, for admins only (an address or URL; never a secret). */
  readonly label: string;
  /** The zones the config gives it; undefined: the provider is asked (findZone). */
  readonly zones?: readonly string[];
  /** The zone holding `name` on this provider, when it is not given by the config. */
  findZone?(name: string): Promise<string | null>;
  /** The current contents of one record set (empty when there is none). */
  read(zone: string, name: string, type: RecordType): Promise<string[]>;
  /** Replaces one record set with `contents` as a whole; an empty list deletes it. */
  replace(zone: string, name: string, type: RecordType, contents: string[], ttl: number): Promise<void>;
  /** Adds one TXT value next to the others (several proofs may share a name). */
  addTxt(zone: string, name: string, value: string, ttl: number): Promise<void>;
  /** Removes one TXT value, keeping the others; one already gone is not an error. */
  removeTxt(zone: string, name: string, value: string): Promise<void>;
  /** The credentials it holds, so that jobs mask them wherever they could leak. */
  readonly secrets: readonly string[];
}

/** Where a name is written: the provider and the zone holding it. */
export interface Located {
  provider: DnsProvider;
  zone: string;
}

const LABEL = /^(?:\*|[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$/;

/**
 * Refuses a record name that is not a plain DNS name inside `zone` before it reaches any
 * DNS message or API call: names come from clients (through their domains and CNAMEs).
 */
export function assertRecordName(name: string, zone: string): void {
  const ok =
    name.length <= 253 &&
    (name === zone || name.endsWith(`.${zone}`)) &&
    name.split('.').every((l, i) => LABEL.test(l) && (l !== '*' || i === 0));
  if (!ok) {
    throw invalidRecordName(name, zone);
  }
}

/** Lower case, no final dot: how names are compared. */
export const normalName = (name: string) => name.replace(/\.$/, '').toLowerCase();

/**
 * The DNS providers of the config, chosen per zone: the longest configured zone that
 * holds a name wins; providers without a zone list (Cloudflare through `dns.cloudflare`)
 * are asked afterwards, in order.
 */
export class DnsProviders {
  constructor(readonly list: readonly DnsProvider[]) {}

  /** Whether any provider is configured. */
  get configured(): boolean {
    return this.list.length > 0;
  }

  /** Every credential of every provider, to register as secrets in a job. */
  get secrets(): string[] {
    return this.list.flatMap((p) => p.secrets);
  }

  /** The provider and zone that hold `name`, or null when serein cannot write it. */
  async locate(name: string): Promise<Located | null> {
    const n = normalName(name);
    let best: Located | null = null;
    for (const provider of this.list) {
      for (const zone of provider.zones ?? []) {
        const z = normalName(zone);
        if ((n === z || n.endsWith(`.${z}`)) && (!best || z.length > best.zone.length)) best = { provider, zone: z };
      }
    }
    if (best) return best;
    for (const provider of this.list) {
      if (provider.zones || !provider.findZone) continue;
      const zone = await provider.findZone(n);
      if (zone) return { provider, zone: normalName(zone) };
    }
    return null;
  }
}
