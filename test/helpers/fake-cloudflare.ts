/**
 * A local server speaking the published Cloudflare v4 DNS API, enough for the official
 * SDK: /client/v4/zones (list, filter by name), /zones/{id}/dns_records (list with
 * type / name.exact filters, get, create, overwrite, edit, delete), the
 * {success, errors, messages, result, result_info} envelope, page/per_page pagination
 * (an empty page past the last one) and Bearer token auth.
 *
 * Every record it holds is pushed to pebble-challtestsrv's management API, so the lab
 * DNS answers with it and Pebble validates dns-01 for real.
 */
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';

export interface FakeRecord {
  id: string;
  zone_id: string;
  zone_name: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  proxied: boolean;
  data?: { flags: number; tag: string; value: string };
  created_on: string;
  modified_on: string;
}

export interface FakeZone {
  id: string;
  name: string;
  status: 'active';
}

export interface FakeCloudflareOptions {
  /** The token accepted for every zone. */
  token: string;
  /** Tokens limited to some zones (by name): others answer 403 for them, as a badly scoped token does. */
  scopedTokens?: Record<string, string[]>;
  /** challtestsrv management URL, to publish records into the lab DNS. */
  challtestsrv?: string;
}

const id = () => randomBytes(16).toString('hex');
const fqdn = (n: string) => `${n.replace(/\.$/, '')}.`;

export class FakeCloudflare {
  readonly zones = new Map<string, FakeZone>();
  readonly records = new Map<string, FakeRecord>();
  /** Every request, for assertions: "METHOD /path?query". */
  readonly requests: string[] = [];
  private server?: http.Server;
  private port = 0;

  constructor(private readonly opts: FakeCloudflareOptions) {}

  /** Base URL for `new Cloudflare({ baseURL })`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/client/v4`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addZone(name: string): FakeZone {
    const zone: FakeZone = { id: id(), name: name.toLowerCase(), status: 'active' };
    this.zones.set(zone.id, zone);
    return zone;
  }

  /** Seeds a record (as if created in the dashboard) and publishes it to the lab DNS. */
  async addRecord(
    zoneName: string,
    r: { type: string; name: string; content: string; ttl?: number },
  ): Promise<FakeRecord> {
    const zone = [...this.zones.values()].find((z) => z.name === zoneName);
    if (!zone) throw new Error(`no zone ${zoneName}`);
    const rec = this.make(zone, { type: r.type, name: r.name, content: r.content, ttl: r.ttl ?? 300 });
    this.records.set(rec.id, rec);
    await this.publish(rec.name, rec.type);
    return rec;
  }

  recordsOf(name: string, type?: string): FakeRecord[] {
    return [...this.records.values()].filter((r) => r.name === name.toLowerCase() && (!type || r.type === type));
  }

  private make(zone: FakeZone, body: Record<string, any>, existing?: FakeRecord): FakeRecord {
    let name = String(body.name ?? existing?.name ?? '')
      .toLowerCase()
      .replace(/\.$/, '');
    if (name === '@') name = zone.name;
    else if (name !== zone.name && !name.endsWith(`.${zone.name}`)) name = `${name}.${zone.name}`;
    const type = String(body.type ?? existing?.type ?? '').toUpperCase();
    let content = body.content !== undefined ? String(body.content) : (existing?.content ?? '');
    let data = existing?.data;
    if (type === 'CAA' && body.data) {
      data = { flags: Number(body.data.flags ?? 0), tag: String(body.data.tag), value: String(body.data.value) };
      content = `${data.flags} ${data.tag} "${data.value}"`;
    } else if (type === 'CAA' && body.content !== undefined) {
      // Cloudflare also accepts the zone-file form `0 issue "ca.example"`.
      const m = /^\s*(\d+)\s+(\S+)\s+"?(.*?)"?\s*$/.exec(content);
      if (m) data = { flags: Number(m[1]), tag: m[2].toLowerCase(), value: m[3] };
    }
    const now = new Date().toISOString();
    return {
      id: existing?.id ?? id(),
      zone_id: zone.id,
      zone_name: zone.name,
      name,
      type,
      content,
      ttl: Number(body.ttl ?? existing?.ttl ?? 1),
      proxied: Boolean(body.proxied ?? existing?.proxied ?? false),
      ...(data ? { data } : {}),
      created_on: existing?.created_on ?? now,
      modified_on: now,
    };
  }

  /** Mirrors the records of (name, type) into challtestsrv. */
  private async publish(name: string, type: string): Promise<void> {
    const base = this.opts.challtestsrv;
    if (!base) return;
    const post = async (path: string, body: unknown) => {
      const r = await fetch(`${base}/${path}`, { method: 'POST', body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`challtestsrv ${path}: HTTP ${r.status}`);
    };
    const host = fqdn(name);
    const recs = this.recordsOf(name, type);
    switch (type) {
      case 'A':
        await post('clear-a', { host });
        if (recs.length) await post('add-a', { host, addresses: recs.map((r) => r.content) });
        break;
      case 'AAAA':
        await post('clear-aaaa', { host });
        if (recs.length) await post('add-aaaa', { host, addresses: recs.map((r) => r.content) });
        break;
      case 'TXT':
        await post('clear-txt', { host });
        for (const r of recs) await post('set-txt', { host, value: r.content.replace(/^"|"$/g, '') });
        break;
      case 'CAA':
        await post('clear-caa', { host });
        if (recs.length)
          await post('add-caa', {
            host,
            policies: recs.map((r) => ({ tag: r.data?.tag ?? r.content.split(' ')[1], value: r.data?.value ?? '' })),
          });
        break;
    }
  }

  private allowed(token: string, zone: FakeZone): boolean {
    if (token === this.opts.token) return true;
    return this.opts.scopedTokens?.[token]?.includes(zone.name) ?? false;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (
      status: number,
      result: unknown,
      extra: Record<string, unknown> = {},
      errors: { code: number; message: string }[] = [],
    ) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: errors.length === 0, errors, messages: [], result, ...extra }));
    };
    const fail = (status: number, code: number, message: string) => send(status, null, {}, [{ code, message }]);
    const m = /^Bearer\s+(\S+)$/.exec(String(req.headers.authorization ?? ''));
    const token = m?.[1];
    if (!token || (token !== this.opts.token && !this.opts.scopedTokens?.[token]))
      return fail(403, 9109, 'Invalid access token');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, any> = {};
    if (chunks.length) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return fail(400, 6007, 'Malformed JSON in request body');
      }
    }
    const path = url.pathname.replace(/^\/client\/v4/, '');
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    const perPage = Math.min(5000, Math.max(1, Number(url.searchParams.get('per_page') ?? 20)));
    const paged = <T>(items: T[]) => {
      const start = (page - 1) * perPage;
      const slice = items.slice(start, start + perPage);
      return send(200, slice, {
        result_info: {
          page,
          per_page: perPage,
          count: slice.length,
          total_count: items.length,
          total_pages: Math.max(1, Math.ceil(items.length / perPage)),
        },
      });
    };

    if (req.method === 'GET' && path === '/zones') {
      const name = url.searchParams.get('name')?.toLowerCase();
      const zones = [...this.zones.values()]
        .filter((z) => (!name || z.name === name) && this.allowed(token, z))
        .sort((a, b) => a.name.localeCompare(b.name));
      return paged(zones);
    }
    const zm = /^\/zones\/([^/]+)(\/dns_records(?:\/([^/]+))?)?$/.exec(path);
    if (!zm) return fail(404, 7003, 'Could not route to ' + path + ', perhaps your object identifier is invalid?');
    const zone = this.zones.get(zm[1]);
    if (!zone) return fail(404, 7003, 'Could not route to ' + path + ', perhaps your object identifier is invalid?');
    if (!this.allowed(token, zone)) return fail(403, 10000, 'Authentication error');
    if (!zm[2]) return req.method === 'GET' ? send(200, zone) : fail(405, 10000, 'Method not allowed');
    const recordId = zm[3];

    if (!recordId && req.method === 'GET') {
      const type = url.searchParams.get('type')?.toUpperCase();
      const exact = (url.searchParams.get('name.exact') ?? url.searchParams.get('name'))
        ?.toLowerCase()
        .replace(/\.$/, '');
      const content = url.searchParams.get('content.exact') ?? url.searchParams.get('content');
      const list = [...this.records.values()]
        .filter(
          (r) =>
            r.zone_id === zone.id &&
            (!type || r.type === type) &&
            (!exact || r.name === exact) &&
            (!content || r.content === content),
        )
        .sort(
          (a, b) =>
            a.name.localeCompare(b.name) || a.type.localeCompare(b.type) || a.created_on.localeCompare(b.created_on),
        );
      return paged(list);
    }
    if (!recordId && req.method === 'POST') {
      if (!body.type || !body.name || (body.content === undefined && !body.data))
        return fail(400, 9000, 'DNS name, type and content are required.');
      const rec = this.make(zone, body);
      if (
        [...this.records.values()].some((r) => r.name === rec.name && r.type === rec.type && r.content === rec.content)
      )
        return fail(400, 81058, 'An identical record already exists.');
      this.records.set(rec.id, rec);
      await this.publish(rec.name, rec.type);
      return send(200, rec);
    }
    const existing = recordId ? this.records.get(recordId) : undefined;
    if (!existing || existing.zone_id !== zone.id) return fail(404, 81044, 'Record does not exist.');
    if (req.method === 'GET') return send(200, existing);
    if (req.method === 'DELETE') {
      this.records.delete(existing.id);
      await this.publish(existing.name, existing.type);
      return send(200, { id: existing.id });
    }
    if (req.method === 'PUT' || req.method === 'PATCH') {
      const updated = this.make(
        zone,
        req.method === 'PUT' ? body : { ...existing, ...body, data: body.data ?? existing.data },
        existing,
      );
      this.records.set(existing.id, updated);
      await this.publish(existing.name, existing.type);
      if (updated.name !== existing.name || updated.type !== existing.type)
        await this.publish(updated.name, updated.type);
      return send(200, updated);
    }
    return fail(405, 10000, 'Method not allowed');
  }
}
