import { parseCaaContent } from './cloudflare.js';
import { assertRecordName, type DnsProvider, type RecordType } from './provider.js';
import { Mutex } from '../util/concurrency.js';

interface RRset {
  name: string;
  type: string;
  ttl?: number;
  records: { content: string; disabled?: boolean }[];
}

/** TXT presentation text ("a" "b") to the value the CA reads (ab). */
function unquoteTxt(content: string): string {
  const parts = [...content.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
  return parts.length ? parts.join('') : content;
}

const quoteTxt = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/** One content as PowerDNS wants it (TXT quoted) and as serein compares it (CAA normalised). */
const toApi = (type: RecordType, content: string) => (type === 'TXT' ? quoteTxt(content) : content);
function fromApi(type: string, content: string): string {
  if (type === 'TXT') return unquoteTxt(content);
  if (type === 'CAA') {
    const c = parseCaaContent(content);
    return `${c.flags} ${c.tag} "${c.value}"`;
  }
  return content;
}

/**
 * The PowerDNS Authoritative HTTP API (`/api/v1/servers/<id>/zones`): record sets are read
 * from the zone and replaced with PATCH (REPLACE or DELETE), which PowerDNS applies at once.
 * TXT values are read, changed and written back under a lock per record set, so two proofs
 * for the same name (a wildcard and its base) never overwrite each other.
 */
export class PowerDnsProvider implements DnsProvider {
  readonly kind = 'powerdns' as const;
  readonly label: string;
  readonly secrets: readonly string[];
  private readonly locks = new Map<string, Mutex>();

  constructor(
    private readonly opts: { apiUrl: string; apiKey: string; serverId: string; zones: string[]; timeoutMs?: number },
  ) {
    this.label = `PowerDNS API at ${new URL(opts.apiUrl).origin}`;
    this.secrets = [opts.apiKey];
  }

  get zones(): readonly string[] {
    return this.opts.zones;
  }

  private async call(method: string, zone: string, body?: unknown): Promise<unknown> {
    const url = `${this.opts.apiUrl.replace(/\/+$/, '')}/api/v1/servers/${encodeURIComponent(this.opts.serverId)}/zones/${encodeURIComponent(`${zone}.`)}`;
    const res = await fetch(url, {
      method,
      headers: {
        'X-API-Key': this.opts.apiKey,
        accept: 'application/json',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      redirect: 'error',
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    if (!res.ok) {
      let why = text.slice(0, 200);
      try {
        why = (JSON.parse(text) as { error?: string }).error ?? why;
      } catch {
        /* not JSON: keep the text */
      }
      throw new Error(`PowerDNS API ${method} zone ${zone}: HTTP ${res.status}${why ? `: ${why}` : ''}`);
    }
    return text ? JSON.parse(text) : undefined;
  }

  async read(zone: string, name: string, type: RecordType): Promise<string[]> {
    assertRecordName(name, zone);
    const z = (await this.call('GET', zone)) as { rrsets?: RRset[] };
    const set = z.rrsets?.find((r) => r.name.toLowerCase() === `${name}.` && r.type === type);
    return (set?.records ?? []).filter((r) => !r.disabled).map((r) => fromApi(type, r.content));
  }

  async replace(zone: string, name: string, type: RecordType, contents: string[], ttl: number): Promise<void> {
    assertRecordName(name, zone);
    const rrset = contents.length
      ? {
          name: `${name}.`,
          type,
          ttl,
          changetype: 'REPLACE',
          records: [...new Set(contents)].map((c) => ({ content: toApi(type, c), disabled: false })),
        }
      : { name: `${name}.`, type, changetype: 'DELETE' };
    await this.call('PATCH', zone, { rrsets: [rrset] });
  }

  private lock(name: string): Mutex {
    let m = this.locks.get(name);
    if (!m) this.locks.set(name, (m = new Mutex()));
    return m;
  }

  async addTxt(zone: string, name: string, value: string, ttl: number): Promise<void> {
    await this.lock(name).run(async () => {
      const now = await this.read(zone, name, 'TXT');
      if (!now.includes(value)) await this.replace(zone, name, 'TXT', [...now, value], ttl);
    });
  }

  async removeTxt(zone: string, name: string, value: string): Promise<void> {
    await this.lock(name).run(async () => {
      const now = await this.read(zone, name, 'TXT');
      if (now.includes(value))
        await this.replace(
          zone,
          name,
          'TXT',
          now.filter((v) => v !== value),
          60,
        );
    });
  }
}
