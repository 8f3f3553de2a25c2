import type Cloudflare from 'cloudflare';
import { assertRecordName, type DnsProvider, type RecordType } from './provider.js';

/** A DNS record as serein needs it, whatever the provider returns around it. */
export interface DnsRecord {
  id: string;
  type: string;
  /** Fully qualified, no final dot. */
  name: string;
  /** For CAA: `flags tag "value"`. */
  content: string;
  ttl?: number;
  proxied?: boolean;
}

/** A Cloudflare zone: its id for the API, its name for people. */
export interface Zone {
  id: string;
  name: string;
}

/** A record to write: CAA content is `flags tag "value"` and is sent as structured data. */
export interface NewRecord {
  type: 'A' | 'AAAA' | 'TXT' | 'CAA';
  name: string;
  content: string;
  ttl?: number;
}

/** Parses `0 issue "letsencrypt.org"`. */
export function parseCaaContent(content: string): { flags: number; tag: string; value: string } {
  const m = /^\s*(\d+)\s+([A-Za-z0-9]+)\s+"?(.*?)"?\s*$/.exec(content);
  if (!m) throw new Error(`not a CAA record: ${content}`);
  return { flags: Number(m[1]), tag: m[2].toLowerCase(), value: m[3] };
}

/** The SDK's APIError, recognised by shape: the SDK itself is only loaded on first use. */
function isApiError(err: unknown): err is Error & { status?: number; errors?: unknown[] } {
  return err instanceof Error && 'status' in err && 'errors' in err;
}

/** A short reason from an SDK error, without headers or tokens. */
export function cloudflareReason(err: unknown): string {
  if (isApiError(err)) {
    const first = err.errors?.[0] as { code?: number; message?: string } | undefined;
    return `HTTP ${err.status ?? '?'}${first ? `: ${first.code ?? ''} ${first.message ?? ''}`.trimEnd() : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Cloudflare DNS through the official SDK: finding the zone of a name, and the record
 * changes dns-01 and dns.fix need. `baseUrl` points it at any server speaking the v4 API.
 */
export class CloudflareDns {
  private sdk?: Promise<Cloudflare>;
  private readonly zones = new Map<string, Promise<Zone | null>>();

  constructor(private readonly opts: { apiToken: string; baseUrl?: string }) {}

  /** The SDK is loaded on first use: it is large, and most daemons never call Cloudflare. */
  private client(): Promise<Cloudflare> {
    return (this.sdk ??= import('cloudflare').then(
      ({ default: Sdk }) =>
        new Sdk({
          apiToken: this.opts.apiToken,
          ...(this.opts.baseUrl ? { baseURL: this.opts.baseUrl } : {}),
          maxRetries: 2,
          timeout: 15_000,
        }),
    ));
  }

  /** The closest zone holding `name` in this account, or null when the token sees none. */
  async findZone(name: string): Promise<Zone | null> {
    const labels = name.replace(/^\*\./, '').replace(/\.$/, '').toLowerCase().split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const candidate = labels.slice(i).join('.');
      let found = this.zones.get(candidate);
      if (!found) {
        found = (async () => {
          for await (const z of (await this.client()).zones.list({ name: candidate })) {
            if (z.name.toLowerCase() === candidate) return { id: z.id, name: z.name.toLowerCase() };
          }
          return null;
        })();
        this.zones.set(candidate, found);
        found.catch(() => this.zones.delete(candidate));
      }
      const zone = await found;
      if (zone) return zone;
    }
    return null;
  }

  /** Records of a zone, optionally of one type and one exact name. Follows every page. */
  async records(zoneId: string, f: { type?: string; name?: string } = {}): Promise<DnsRecord[]> {
    const out: DnsRecord[] = [];
    const query: Record<string, unknown> = { zone_id: zoneId, per_page: 100 };
    if (f.type) query.type = f.type;
    if (f.name) query.name = { exact: f.name };
    for await (const r of (await this.client()).dns.records.list(query as unknown as Cloudflare.DNS.RecordListParams)) {
      out.push(toRecord(r as unknown as Record<string, unknown>));
    }
    return out;
  }

  async create(zoneId: string, r: NewRecord): Promise<DnsRecord> {
    const body: Record<string, unknown> = { zone_id: zoneId, type: r.type, name: r.name, ttl: r.ttl ?? 60 };
    if (r.type === 'CAA') body.data = parseCaaContent(r.content);
    else body.content = r.content;
    if (r.type === 'A' || r.type === 'AAAA') body.proxied = false;
    const created = await (
      await this.client()
    ).dns.records.create(body as unknown as Cloudflare.DNS.RecordCreateParams);
    return toRecord(created as unknown as Record<string, unknown>);
  }

  /** Replaces a record's content, keeping its type and name. */
  async update(zoneId: string, id: string, r: NewRecord & { proxied?: boolean }): Promise<DnsRecord> {
    const body: Record<string, unknown> = { zone_id: zoneId, type: r.type, name: r.name, ttl: r.ttl ?? 60 };
    if (r.type === 'CAA') body.data = parseCaaContent(r.content);
    else body.content = r.content;
    if (r.proxied !== undefined) body.proxied = r.proxied;
    const updated = await (
      await this.client()
    ).dns.records.update(id, body as unknown as Cloudflare.DNS.RecordUpdateParams);
    return toRecord(updated as unknown as Record<string, unknown>);
  }

  /** Deletes a record; one already gone is not an error. */
  async delete(zoneId: string, id: string): Promise<void> {
    try {
      await (await this.client()).dns.records.delete(id, { zone_id: zoneId });
    } catch (err) {
      if (isApiError(err) && err.status === 404) return;
      throw err;
    }
  }
}

function toRecord(r: Record<string, unknown>): DnsRecord {
  const data = r.data as { flags?: number; tag?: string; value?: string } | undefined;
  const content =
    r.type === 'CAA' && data?.tag ? `${data.flags ?? 0} ${data.tag} "${data.value ?? ''}"` : String(r.content ?? '');
  return {
    id: String(r.id),
    type: String(r.type),
    name: String(r.name).replace(/\.$/, '').toLowerCase(),
    content,
    ...(typeof r.ttl === 'number' ? { ttl: r.ttl } : {}),
    ...(typeof r.proxied === 'boolean' ? { proxied: r.proxied } : {}),
  };
}

/**
 * Cloudflare behind the DNS-provider interface: record sets are read and changed record
 * by record (Cloudflare has no record-set call), keeping the ids of records that stay.
 */
export class CloudflareProvider implements DnsProvider {
  readonly kind = 'cloudflare' as const;
  readonly label = 'Cloudflare';
  readonly secrets: readonly string[];

  constructor(
    readonly api: CloudflareDns,
    apiToken: string,
    readonly zones?: readonly string[],
  ) {
    this.secrets = [apiToken];
  }

  async findZone(name: string): Promise<string | null> {
    return (await this.api.findZone(name))?.name ?? null;
  }

  private async zoneId(zone: string): Promise<string> {
    const z = await this.api.findZone(zone);
    if (!z || z.name !== zone) throw new Error(`Cloudflare has no zone ${zone} for this token`);
    return z.id;
  }

  async read(zone: string, name: string, type: RecordType): Promise<string[]> {
    assertRecordName(name, zone);
    return (await this.api.records(await this.zoneId(zone), { type, name })).map((r) => r.content);
  }

  async replace(zone: string, name: string, type: RecordType, contents: string[], ttl: number): Promise<void> {
    assertRecordName(name, zone);
    const id = await this.zoneId(zone);
    const existing = await this.api.records(id, { type, name });
    const stale = existing.filter((r) => !contents.includes(r.content));
    const missing = [...new Set(contents)].filter((c) => !existing.some((r) => r.content === c));
    // Change records in place first: a record pointed elsewhere keeps its id.
    while (stale.length && missing.length)
      await this.api.update(id, stale.shift()!.id, { type, name, content: missing.shift()!, ttl });
    for (const r of stale) await this.api.delete(id, r.id);
    for (const content of missing) await this.api.create(id, { type, name, content, ttl });
  }

  async addTxt(zone: string, name: string, value: string, ttl: number): Promise<void> {
    assertRecordName(name, zone);
    await this.api.create(await this.zoneId(zone), { type: 'TXT', name, content: value, ttl });
  }

  async removeTxt(zone: string, name: string, value: string): Promise<void> {
    assertRecordName(name, zone);
    const id = await this.zoneId(zone);
    for (const r of await this.api.records(id, { type: 'TXT', name }))
      if (r.content === value) await this.api.delete(id, r.id);
  }
}
