import { sql, type Kysely } from 'kysely';
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from './page.js';
import type { Database } from './schema.js';

/** A client account; `email` is where serein tells them when something needs them (none: nobody is emailed). */
export interface Tenant {
  id: string;
  name: string;
  language: 'en' | 'fr';
  email: string | null;
  createdAt: string;
}
export interface Resource {
  kind: string;
  name: string;
  tenantId: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/** A tenant's things by name only: what a request in words is matched against. */
export interface TenantNames {
  /** Each resource's kind and name (vhost, domain, database...), by kind then name. */
  resources: { kind: string; name: string }[];
  /** The servers the tenant was granted, by name. */
  servers: string[];
  /** The active certificates' names and ids, oldest first (a newer one of the same name comes later). */
  certificates: { name: string; id: string }[];
}

/** Tenants and what each owns: domains, servers, vhosts, databases, certificates. */
export class TenantStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(t: { id: string; name: string; language: 'en' | 'fr'; email?: string }): Promise<Tenant> {
    const createdAt = new Date().toISOString();
    const tenant = { id: t.id, name: t.name, language: t.language, email: t.email ?? null };
    await this.db
      .insertInto('tenants')
      .values({ ...tenant, created_at: createdAt })
      .execute();
    return { ...tenant, createdAt };
  }

  async get(id: string): Promise<Tenant | undefined> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toTenant(row);
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().orderBy('id').execute();
    return rows.map(toTenant);
  }

  /** Records a resource; a second owner for the same kind and name is refused by the key. */
  async addResource(r: {
    kind: string;
    name: string;
    tenantId: string;
    data?: Record<string, unknown>;
  }): Promise<Resource> {
    const createdAt = new Date().toISOString();
    await this.db
      .insertInto('resources')
      .values({
        kind: r.kind,
        name: r.name,
        tenant_id: r.tenantId,
        data: JSON.stringify(r.data ?? {}),
        created_at: createdAt,
      })
      .execute();
    return { kind: r.kind, name: r.name, tenantId: r.tenantId, data: r.data ?? {}, createdAt };
  }

  /** Creates or replaces a resource of this tenant (used when an operation re-runs). */
  async putResource(r: {
    kind: string;
    name: string;
    tenantId: string;
    data?: Record<string, unknown>;
  }): Promise<void> {
    const data = JSON.stringify(r.data ?? {});
    await this.db
      .insertInto('resources')
      .values({ kind: r.kind, name: r.name, tenant_id: r.tenantId, data, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.columns(['kind', 'name']).doUpdateSet({ data, tenant_id: r.tenantId }))
      .execute();
  }

  async getResource(kind: string, name: string): Promise<Resource | undefined> {
    const row = await this.db
      .selectFrom('resources')
      .selectAll()
      .where('kind', '=', kind)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toResource(row);
  }

  async listResources(filter: { tenantId?: string; kind?: string } = {}): Promise<Resource[]> {
    let q = this.db.selectFrom('resources').selectAll();
    if (filter.tenantId) q = q.where('tenant_id', '=', filter.tenantId);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    return (await q.orderBy('kind').orderBy('name').execute()).map(toResource);
  }

  /**
   * Resources of a kind that answer to one of `names`: named so, or holding one of them as
   * their data's `primary` or in its `aliases` (a vhost's names). The candidates for a name
   * clash, read from the index the store keeps of every resource's names
   * (`resource_names`), not by reading every site (a provider's nginx carries thousands).
   */
  async resourcesNaming(kind: string, names: string[]): Promise<Resource[]> {
    if (names.length === 0) return [];
    const rows = await this.db
      .selectFrom('resources')
      .selectAll()
      .where('kind', '=', kind)
      .where('name', 'in', (eb) =>
        eb.selectFrom('resource_names').select('resource').where('kind', '=', kind).where('name', 'in', names),
      )
      .execute();
    return rows.map(toResource);
  }

  /** One page of resources by kind then name, and the cursor of the next: GET /v1/resources at any size. */
  async resourcesPage(filter: { tenantId?: string; kind?: string } & PageRequest = {}): Promise<Page<Resource>> {
    const limit = pageSize(filter.limit);
    let q = this.db.selectFrom('resources').selectAll();
    if (filter.tenantId) q = q.where('tenant_id', '=', filter.tenantId);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.cursor) {
      const [kind, name] = decodeCursor(filter.cursor, 2).map(String);
      q = q.where((eb) => eb.or([eb('kind', '>', kind), eb.and([eb('kind', '=', kind), eb('name', '>', name)])]));
    }
    const rows = await q
      .orderBy('kind')
      .orderBy('name')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, (r) => [r.kind, r.name], toResource);
  }

  async removeResource(kind: string, name: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('resources')
      .where('kind', '=', kind)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Lets a tenant run operations on a server; many tenants share one server. */
  async grantServer(tenantId: string, server: string): Promise<boolean> {
    if (await this.mayUseServer(tenantId, server)) return false;
    await this.db
      .insertInto('server_grants')
      .values({ server, tenant_id: tenantId, created_at: new Date().toISOString() })
      .execute();
    return true;
  }

  async revokeServer(tenantId: string, server: string): Promise<boolean> {
    const res = await this.db
      .deleteFrom('server_grants')
      .where('server', '=', server)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async mayUseServer(tenantId: string, server: string): Promise<boolean> {
    return !!(await this.db
      .selectFrom('server_grants')
      .select('server')
      .where('server', '=', server)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst());
  }

  async servers(tenantId?: string): Promise<Resource[]> {
    let q = this.db.selectFrom('server_grants').selectAll();
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    const rows = await q.orderBy('server').execute();
    return rows.map((r) => ({
      kind: 'server',
      name: r.server,
      tenantId: r.tenant_id,
      data: {},
      createdAt: r.created_at,
    }));
  }

  /**
   * A tenant's resources, server grants and active certificates by name, in one read of
   * the store by the tenant's indexes, or undefined when there is no such tenant: what
   * every request in words is matched against. It took four reads, one of which walked
   * every site of the provider, and the certificates' read stopped at its first hundred.
   * Nothing is kept between calls, so a site added by any daemon sharing the store is
   * known at the next request.
   */
  async names(tenantId: string): Promise<TenantNames | undefined> {
    const { rows } = await sql<{ source: string; kind: string; name: string; id: string | null }>`
      select 'tenant' as source, '' as kind, id as name, null as id, created_at as at from tenants where id = ${tenantId}
      union all
      select 'resource', kind, name, null, created_at from resources where tenant_id = ${tenantId}
      union all
      select 'server', '', server, null, created_at from server_grants where tenant_id = ${tenantId}
      union all
      select 'certificate', '', name, id, created_at from certificates where tenant_id = ${tenantId} and status = 'active'
      order by source, kind, name, at, id`.execute(this.db);
    if (!rows.some((r) => r.source === 'tenant')) return undefined;
    const of = (source: string) => rows.filter((r) => r.source === source);
    return {
      resources: of('resource').map((r) => ({ kind: r.kind, name: r.name })),
      servers: of('server').map((r) => r.name),
      certificates: of('certificate').map((r) => ({ name: r.name, id: r.id! })),
    };
  }

  /**
   * The tenant that owns a host name: the owner of the name itself or of the closest
   * registered parent domain (shop.example.com belongs to whoever owns example.com).
   */
  async domainOwner(host: string): Promise<string | undefined> {
    const labels = host.toLowerCase().replace(/^\*\./, '').split('.');
    const candidates = labels.map((_, i) => labels.slice(i).join('.')).filter((d) => d.includes('.'));
    if (candidates.length === 0) return undefined;
    const rows = await this.db
      .selectFrom('resources')
      .select(['name', 'tenant_id'])
      .where('kind', '=', 'domain')
      .where('name', 'in', candidates)
      .execute();
    rows.sort((a, b) => b.name.length - a.name.length);
    return rows[0]?.tenant_id;
  }
}

function toTenant(row: Database['tenants']): Tenant {
  return {
    id: row.id,
    name: row.name,
    language: row.language as Tenant['language'],
    email: row.email ?? null,
    createdAt: row.created_at,
  };
}

function toResource(row: Database['resources']): Resource {
  return {
    kind: row.kind,
    name: row.name,
    tenantId: row.tenant_id,
    data: JSON.parse(row.data),
    createdAt: row.created_at,
  };
}
