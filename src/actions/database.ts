import { z } from 'zod';
import type { ActionContext, PlanItem } from '../engine/action.js';
import { defineAction } from '../engine/action.js';
import { tenantDatabaseName } from '../db/identifiers.js';
import { tenantIdProblem } from '../tenant-id.js';
import {
  applyChanges,
  creationChanges,
  existing,
  isSuperuser,
  rotationStatements,
  serverVersion,
  undoChanges,
  type DbSpec,
  type ServerVersion,
} from '../db/provision.js';
import { unreachable } from '../db/errors.js';
import type { SqlSession } from '../db/session.js';
import { generatePassword } from '../secrets.js';
import { checkResourceQuota } from '../quotas.js';
import {
  checkFailed,
  databaseQuota,
  databaseTaken,
  forbiddenTenant,
  missingOnServer,
  statementFailed,
  tenantRequired,
} from './database-errors.js';

/** Resource kind of a database; its name is `<server>:<database>`. */
export const DATABASE_KIND = 'database';

/** What serein remembers about a database it created (never its password). */
export interface DatabaseRecord {
  server: string;
  engine: 'mariadb' | 'postgres';
  database: string;
  user: string;
  hosts: string[];
}

/** The inputs every database action takes: the server, the short name, and (admins only) the tenant. */
export const base = z.object({
  server: z.string().min(1),
  name: z.string().min(1),
  /** Admin jobs name the tenant the database is for; client jobs are always for their own tenant. */
  tenant: z.string().optional(),
});

/** The tenant a database job works for: the client's own, or the one an admin names. */
async function resolveTenant(ctx: ActionContext, requested: string | undefined): Promise<string> {
  if (ctx.tenantId) {
    if (requested && requested !== ctx.tenantId) {
      throw forbiddenTenant();
    }
    return ctx.tenantId;
  }
  if (!requested || tenantIdProblem(requested) !== undefined || !(await ctx.services.store.tenants.get(requested))) {
    throw tenantRequired(requested);
  }
  return requested;
}

/** A request's database as the tenant's: its full name and user, its resource key, and its record if serein made it. */
export interface Resolved {
  tenant: string;
  spec: DbSpec;
  key: string;
  record?: DatabaseRecord;
  recordTenant?: string;
}

/** Validates everything that can be validated without the server: names, tenant, ownership, quota. */
export async function resolve(ctx: ActionContext, p: z.output<typeof base>): Promise<Resolved> {
  const cfg = ctx.services.databases.config(p.server);
  const tenant = await resolveTenant(ctx, p.tenant);
  const database = tenantDatabaseName(tenant, p.name);
  const spec: DbSpec = {
    engine: cfg.engine,
    database,
    user: database,
    hosts: cfg.engine === 'mariadb' ? cfg.allowedHosts : [],
  };
  const key = `${p.server}:${database}`;
  const rec = await ctx.services.store.tenants.getResource(DATABASE_KIND, key);
  return { tenant, spec, key, record: rec?.data as DatabaseRecord | undefined, recordTenant: rec?.tenantId };
}

/** Stands for the generated password in dry-run plans (a valid generated-looking value, masked in the output). */
const PLAN_PASSWORD = 'A'.repeat(24);
const maskPlanPassword = (sql: string) => sql.split(`'${PLAN_PASSWORD}'`).join("'********'");

/** Runs `fn` on an admin session of the server, closed whatever happens. */
export async function withSession<T>(
  ctx: ActionContext,
  server: string,
  fn: (s: SqlSession) => Promise<T>,
): Promise<T> {
  const s = await ctx.services.databases.open(server, ctx.secrets);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** The server's flavour and version (the statements differ by them); out of reach, nothing was changed. */
export async function readVersion(ctx: ActionContext, server: string, s: SqlSession): Promise<ServerVersion> {
  try {
    const v = await serverVersion(s);
    ctx.log(`${server}: ${v.flavor} ${v.major}.${v.minor} (${s.via})`);
    return v;
  } catch (err) {
    throw unreachable(server, ctx.secrets.mask((err as Error).message));
  }
}

/** Preflight of database.create: checks names, tenant, ownership and quota; changes nothing. */
export const databaseCheck = defineAction({
  name: 'database.check',
  params: base,
  async plan() {
    return [];
  },
  async run(ctx, p) {
    const r = await resolve(ctx, p);
    if (r.record && r.recordTenant !== r.tenant)
      throw databaseTaken(r.spec.database, `recorded for tenant ${r.recordTenant}`);
    const cfg = ctx.services.databases.config(p.server);
    if (!r.record && cfg.maxPerTenant !== undefined) {
      const mine = (await ctx.services.store.tenants.listResources({ tenantId: r.tenant, kind: DATABASE_KIND })).filter(
        (x) => (x.data as Partial<DatabaseRecord>).server === p.server,
      );
      if (mine.length >= cfg.maxPerTenant) {
        throw databaseQuota(mine.length);
      }
    }
    // The tenant-wide quota, all servers together; admins are not limited by it.
    if (!r.record && ctx.tenantId) await checkResourceQuota(ctx.services, r.tenant, 'databases', DATABASE_KIND);
    return { database: r.spec.database, user: r.spec.user, tenant: r.tenant, exists: !!r.record };
  },
});

interface CreateCheckpoint {
  server: string;
  spec: DbSpec;
  version: ServerVersion;
  adminIsSuperuser: boolean;
  done: string[];
  recorded?: boolean;
}

/**
 * Creates a tenant's database and a user that can reach only that database, with a
 * generated password returned once. Every statement is checked; on any failure what
 * this run created is dropped (the checkpoint lists it before each statement runs).
 * Re-running the same request finds the recorded database and reports it instead.
 */
export const databaseCreate = defineAction({
  name: 'database.create',
  params: base.extend({ rotatePassword: z.boolean().default(false) }),
  async plan(ctx, p) {
    const r = await resolve(ctx, p);
    return withSession(ctx, p.server, async (s) => {
      const v = await readVersion(ctx, p.server, s);
      const items: PlanItem[] = [];
      if (r.record) {
        items.push({
          kind: 'note',
          summary: {
            en: `${r.spec.database} already exists for ${r.tenant}: nothing to create`,
            fr: `${r.spec.database} existe déjà pour ${r.tenant} : rien à créer`,
          },
        });
        if (p.rotatePassword) {
          for (const st of rotationStatements(r.spec, v, PLAN_PASSWORD))
            items.push({
              kind: 'statement',
              target: p.server,
              summary: { en: 'set a new password', fr: 'définir un nouveau mot de passe' },
              statement: maskPlanPassword(st),
            });
        }
        return items;
      }
      const changes = creationChanges(r.spec, v, PLAN_PASSWORD, { adminIsSuperuser: await isSuperuser(s) });
      items.push(
        ...changes.map((c) => ({
          kind: 'statement' as const,
          target: p.server,
          summary: c.summary,
          statement: maskPlanPassword(c.sql),
        })),
      );
      items.push(
        {
          kind: 'record',
          summary: {
            en: `record the database ${r.key} for ${r.tenant}`,
            fr: `enregistrer la base de données ${r.key} au nom de ${r.tenant}`,
          },
        },
        {
          kind: 'note',
          summary: {
            en: 'a generated password is shown once in the result',
            fr: 'un mot de passe généré est affiché une seule fois dans le résultat',
          },
        },
      );
      return items;
    });
  },
  async run(ctx, p) {
    const r = await resolve(ctx, p);
    if (r.record && r.recordTenant !== r.tenant)
      throw databaseTaken(r.spec.database, `recorded for tenant ${r.recordTenant}`);
    const cfg = ctx.services.databases.config(p.server);
    const out = {
      database: r.spec.database,
      user: r.spec.user,
      server: p.server,
      engine: cfg.engine,
      host: cfg.host,
      port: cfg.port ?? (cfg.engine === 'mariadb' ? 3306 : 5432),
    };
    return withSession(ctx, p.server, async (s) => {
      const v = await readVersion(ctx, p.server, s);
      const found = await existing(s, r.spec).catch((err: Error) => {
        throw checkFailed(p.server, ctx.secrets.mask(err.message));
      });
      if (r.record) {
        if (!found.database || !found.user) {
          throw missingOnServer(
            r.spec.database,
            `database ${found.database ? 'present' : 'missing'}, user ${found.user ? 'present' : 'missing'}`,
          );
        }
        if (!p.rotatePassword) {
          ctx.log(
            `${r.spec.database} already exists for ${r.tenant}; nothing to do (its password is not shown again; ask for rotatePassword to get a new one)`,
          );
          return { ...out, existed: true, rotated: false };
        }
        const password = ctx.secrets.add(generatePassword());
        try {
          for (const st of rotationStatements(r.spec, v, password)) await s.query(st);
        } catch (err) {
          throw statementFailed(p.server, err, ctx.secrets);
        }
        ctx.log(`${r.spec.database}: new password set`);
        return { ...out, existed: true, rotated: true, password };
      }
      if (found.database || found.user)
        throw databaseTaken(
          r.spec.database,
          `already on the server (database: ${found.database}, user: ${found.user}) but not created by serein`,
        );

      // Registered before it is used anywhere: every log line, event and error is masked from here on.
      const password = ctx.secrets.add(generatePassword());
      const adminIsSuperuser = await isSuperuser(s);
      const changes = creationChanges(r.spec, v, password, { adminIsSuperuser });
      const checkpoint: CreateCheckpoint = { server: p.server, spec: r.spec, version: v, adminIsSuperuser, done: [] };
      try {
        await applyChanges(
          s,
          changes,
          async (ids) => {
            checkpoint.done = ids;
            await ctx.checkpoint(checkpoint);
          },
          (m) => ctx.log(m),
        );
      } catch (err) {
        throw statementFailed(p.server, err, ctx.secrets);
      }
      checkpoint.recorded = true;
      await ctx.checkpoint(checkpoint);
      const data: DatabaseRecord = {
        server: p.server,
        engine: cfg.engine,
        database: r.spec.database,
        user: r.spec.user,
        hosts: r.spec.hosts,
      };
      await ctx.services.store.tenants.putResource({
        kind: DATABASE_KIND,
        name: r.key,
        tenantId: r.tenant,
        data: data as unknown as Record<string, unknown>,
      });
      ctx.log(`recorded database ${r.key} for ${r.tenant}`);
      return { ...out, existed: false, rotated: false, password };
    });
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as CreateCheckpoint | undefined;
    if (!cp || (!cp.done.length && !cp.recorded)) return;
    if (cp.recorded) await ctx.services.store.tenants.removeResource(DATABASE_KIND, `${cp.server}:${cp.spec.database}`);
    if (!cp.done.length) return;
    await withSession(ctx, cp.server, async (s) => {
      // The same statements as the run, rebuilt from the checkpoint (never from SQL stored in it).
      const changes = creationChanges(cp.spec, cp.version, PLAN_PASSWORD, { adminIsSuperuser: cp.adminIsSuperuser });
      await undoChanges(s, changes, cp.done, (m) => ctx.log(m));
    });
  },
});
