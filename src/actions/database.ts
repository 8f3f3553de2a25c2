import { z } from 'zod';
import type { ActionContext, PlanItem } from '../engine/action.js';
import { defineAction } from '../engine/action.js';
import { OperationError, type Localized } from '../errors.js';
import { tenantDatabaseName } from '../db/identifiers.js';
import { tenantIdProblem } from '../tenant-id.js';
import {
  applyChanges,
  creationChanges,
  existing,
  isSuperuser,
  removalStatements,
  rotationStatements,
  serverVersion,
  undoChanges,
  type DbSpec,
  type ServerVersion,
} from '../db/provision.js';
import { SqlError, type SqlSession } from '../db/session.js';
import { generatePassword } from '../secrets.js';
import { checkResourceQuota } from '../quotas.js';
import { databaseCopyRef, forgetCopy, keepDatabaseCopy, keepPlan, type CopyRef } from './trash-keep.js';

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

const base = z.object({
  server: z.string().min(1),
  name: z.string().min(1),
  /** Admin jobs name the tenant the database is for; client jobs are always for their own tenant. */
  tenant: z.string().optional(),
});

/** The tenant a database job works for: the client's own, or the one an admin names. */
async function resolveTenant(ctx: ActionContext, requested: string | undefined): Promise<string> {
  if (ctx.tenantId) {
    if (requested && requested !== ctx.tenantId) {
      throw new OperationError(
        'forbidden_tenant',
        {
          en: 'You can only create or remove databases for your own account.',
          fr: 'Vous ne pouvez créer ou supprimer des bases de données que pour votre propre compte.',
        },
        { en: 'Leave the tenant field empty.', fr: 'Laissez le champ tenant vide.' },
        undefined,
        403,
      );
    }
    return ctx.tenantId;
  }
  if (!requested || tenantIdProblem(requested) !== undefined || !(await ctx.services.store.tenants.get(requested))) {
    throw new OperationError(
      'tenant_required',
      { en: 'Say which tenant the database is for.', fr: 'Indiquez pour quel client est la base de données.' },
      {
        en: 'Set the input "tenant" to the id of an existing tenant; its id prefixes the database name.',
        fr: "Renseignez le champ « tenant » avec l'identifiant d'un client existant ; il préfixe le nom de la base.",
      },
      requested ? `unknown tenant ${requested}` : undefined,
      400,
    );
  }
  return requested;
}

interface Resolved {
  tenant: string;
  spec: DbSpec;
  key: string;
  record?: DatabaseRecord;
  recordTenant?: string;
}

/** Validates everything that can be validated without the server: names, tenant, ownership, quota. */
async function resolve(ctx: ActionContext, p: z.output<typeof base>): Promise<Resolved> {
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

const taken = (database: string, detail: string) =>
  new OperationError(
    'database_taken',
    {
      en: `The database name "${database}" is already used on this server.`,
      fr: `Le nom de base de données « ${database} » est déjà utilisé sur ce serveur.`,
    },
    { en: 'Choose another name. Nothing was changed.', fr: "Choisissez un autre nom. Rien n'a été modifié." },
    detail,
    409,
  );

/** The caller's error when a statement fails: plain words, the server's message for admins (secrets masked). */
function statementFailed(
  ctx: ActionContext,
  server: string,
  err: unknown,
  during: 'create' | 'drop' = 'create',
): OperationError {
  if (err instanceof OperationError) return err;
  const e = err as SqlError & { change?: { summary: Localized } };
  const what = e.change?.summary ?? { en: 'a statement', fr: 'une instruction' };
  const after =
    during === 'create'
      ? {
          en: 'everything this operation had created was removed.',
          fr: 'tout ce que cette opération avait créé a été supprimé.',
        }
      : {
          en: 'run the deletion again: it goes on where it stopped.',
          fr: "relancez la suppression : elle reprendra là où elle s'est arrêtée.",
        };
  // The server stopped or the connection was cut (not a refusal): said as such.
  const lost =
    /^57P0[123]$|ECONNRESET|EPIPE|PROTOCOL_CONNECTION_LOST/.test(String(e.code ?? '')) ||
    /Connection terminated|terminating connection|Connection lost|server closed the connection|ECONNRESET/i.test(
      e.message ?? '',
    );
  return new OperationError(
    'database_statement_failed',
    lost
      ? {
          en: `The database server "${server}" stopped answering during a step (${what.en}); ${after.en}`,
          fr: `Le serveur de bases de données « ${server} » a cessé de répondre pendant une étape (${what.fr}) ; ${after.fr}`,
        }
      : {
          en: `The database server "${server}" refused a step (${what.en}); ${after.en}`,
          fr: `Le serveur de bases de données « ${server} » a refusé une étape (${what.fr}) ; ${after.fr}`,
        },
    {
      en: 'Try again later. If it fails again, your provider has the details.',
      fr: 'Réessayez plus tard. Si cela échoue encore, votre hébergeur a les détails.',
    },
    ctx.secrets.mask(`${e.message}${e instanceof SqlError && e.code ? ` (code ${e.code})` : ''}`),
  );
}

/** Stands for the generated password in dry-run plans (a valid generated-looking value, masked in the output). */
const PLAN_PASSWORD = 'A'.repeat(24);
const maskPlanPassword = (sql: string) => sql.split(`'${PLAN_PASSWORD}'`).join("'********'");

async function withSession<T>(ctx: ActionContext, server: string, fn: (s: SqlSession) => Promise<T>): Promise<T> {
  const s = await ctx.services.databases.open(server, ctx.secrets);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

async function readVersion(ctx: ActionContext, server: string, s: SqlSession): Promise<ServerVersion> {
  try {
    const v = await serverVersion(s);
    ctx.log(`${server}: ${v.flavor} ${v.major}.${v.minor} (${s.via})`);
    return v;
  } catch (err) {
    throw new OperationError(
      'db_unreachable',
      {
        en: `The database server "${server}" could not be reached; nothing was changed.`,
        fr: `Le serveur de bases de données « ${server} » est injoignable ; rien n'a été modifié.`,
      },
      {
        en: 'Try again in a few minutes. If it keeps failing, your provider has the details.',
        fr: 'Réessayez dans quelques minutes. Si cela persiste, votre hébergeur a les détails.',
      },
      ctx.secrets.mask((err as Error).message),
    );
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
    if (r.record && r.recordTenant !== r.tenant) throw taken(r.spec.database, `recorded for tenant ${r.recordTenant}`);
    const cfg = ctx.services.databases.config(p.server);
    if (!r.record && cfg.maxPerTenant !== undefined) {
      const mine = (await ctx.services.store.tenants.listResources({ tenantId: r.tenant, kind: DATABASE_KIND })).filter(
        (x) => (x.data as Partial<DatabaseRecord>).server === p.server,
      );
      if (mine.length >= cfg.maxPerTenant) {
        throw new OperationError(
          'quota_exceeded',
          {
            en: `You already have ${mine.length} databases on this server, the most your plan allows.`,
            fr: `Vous avez déjà ${mine.length} bases de données sur ce serveur, le maximum de votre offre.`,
          },
          {
            en: 'Delete a database you no longer use, or ask your provider for a larger plan.',
            fr: "Supprimez une base que vous n'utilisez plus, ou demandez une offre plus grande à votre hébergeur.",
          },
          undefined,
          409,
        );
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
    if (r.record && r.recordTenant !== r.tenant) throw taken(r.spec.database, `recorded for tenant ${r.recordTenant}`);
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
        throw new OperationError(
          'database_check_failed',
          {
            en: `The database server "${p.server}" could not be checked for existing names; nothing was changed.`,
            fr: `Le serveur de bases de données « ${p.server} » n'a pas pu être interrogé sur les noms existants ; rien n'a été modifié.`,
          },
          {
            en: 'Your provider has the details (the admin account may lack a privilege).',
            fr: "Votre hébergeur a les détails (le compte d'administration manque peut-être d'un droit).",
          },
          ctx.secrets.mask(err.message),
        );
      });
      if (r.record) {
        if (!found.database || !found.user) {
          throw new OperationError(
            'database_drift',
            {
              en: `The database "${r.spec.database}" is recorded but is missing on the server.`,
              fr: `La base « ${r.spec.database} » est enregistrée mais absente du serveur.`,
            },
            {
              en: 'Your provider has been told; nothing was changed.',
              fr: "Votre hébergeur est prévenu ; rien n'a été modifié.",
            },
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
          throw statementFailed(ctx, p.server, err);
        }
        ctx.log(`${r.spec.database}: new password set`);
        return { ...out, existed: true, rotated: true, password };
      }
      if (found.database || found.user)
        throw taken(
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
        throw statementFailed(ctx, p.server, err);
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

/**
 * Drops a tenant's database and its user, after keeping a copy in the trash (restorable
 * with trash.restore). Asks for the database's full name as an explicit confirmation.
 */
export const databaseDrop = defineAction({
  name: 'database.drop',
  params: base.extend({ confirm: z.string().optional() }),
  async plan(ctx, p) {
    const r = await resolve(ctx, p);
    return withSession(ctx, p.server, async (s) => {
      const v = await readVersion(ctx, p.server, s);
      return [
        keepPlan(ctx.services.config, { en: `the database ${r.spec.database}`, fr: `la base ${r.spec.database}` }),
        ...removalStatements(r.spec, v).map((st) => ({
          kind: 'statement' as const,
          target: p.server,
          summary: { en: 'delete', fr: 'supprimer' },
          statement: st,
        })),
        {
          kind: 'record' as const,
          summary: { en: `forget the database ${r.key}`, fr: `retirer la base de données ${r.key} de vos ressources` },
        },
      ];
    });
  },
  async run(ctx, p) {
    const r = await resolve(ctx, p);
    if (!r.record || r.recordTenant !== r.tenant) {
      throw new OperationError(
        'not_found',
        {
          en: `There is no database "${r.spec.database}" of yours on this server.`,
          fr: `Vous n'avez pas de base « ${r.spec.database} » sur ce serveur.`,
        },
        {
          en: 'Check the server and the name (as it was given when you created it).',
          fr: 'Vérifiez le serveur et le nom (celui donné à la création).',
        },
        undefined,
        404,
      );
    }
    if (p.confirm !== r.spec.database) {
      throw new OperationError(
        'confirmation_required',
        {
          en: `Deleting "${r.spec.database}" takes it offline with all its data; a copy stays in your trash for ${ctx.services.config.trash.keepDays} days.`,
          fr: `Supprimer « ${r.spec.database} » met hors service la base et toutes ses données ; une copie reste dans votre corbeille pendant ${ctx.services.config.trash.keepDays} jours.`,
        },
        {
          en: `To confirm, set "confirm" to exactly ${r.spec.database}.`,
          fr: `Pour confirmer, renseignez « confirm » avec exactement ${r.spec.database}.`,
        },
        undefined,
        400,
      );
    }
    const spec: DbSpec = { ...r.spec, hosts: r.record.hosts ?? r.spec.hosts };
    await withSession(ctx, p.server, async (s) => {
      const v = await readVersion(ctx, p.server, s);
      // A copy in the trash first (src/actions/trash-keep.ts), named in the checkpoint before it is written: an undo removes it.
      const copy = databaseCopyRef(ctx.services, p.server);
      await ctx.checkpoint({ server: p.server, spec, version: v, copy });
      await keepDatabaseCopy(ctx, copy, { server: p.server, spec, short: p.name, tenantId: r.tenant });
      // Checkpointed before the first DROP: a daemon killed in the middle finishes the drop on restart (see compensate).
      const checkpoint: DropCheckpoint = { server: p.server, spec, version: v, started: true, copy };
      await ctx.checkpoint(checkpoint);
      for (const st of removalStatements(spec, v)) {
        try {
          await s.query(st);
        } catch (err) {
          await ctx.checkpoint({ ...checkpoint, failed: true });
          throw statementFailed(ctx, p.server, err, 'drop');
        }
      }
    });
    await ctx.services.store.tenants.removeResource(DATABASE_KIND, r.key);
    ctx.log(`dropped ${r.spec.database} and its user`);
    return { database: r.spec.database, server: p.server, deleted: true };
  },
  /**
   * A drop cannot be undone (the data is gone), so a drop interrupted by a daemon stop is
   * finished instead: the remaining DROP ... IF EXISTS statements, then the record. Without
   * this a kill between dropping the user and the database left a database the store still
   * listed, with no user. A drop that failed on a statement is left as it is (the error says which).
   */
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as DropCheckpoint | undefined;
    if (cp && !cp.started && cp.copy) return forgetCopy(ctx.services, cp.copy); // nothing dropped: the copy goes too
    if (!cp?.started || cp.failed) return;
    await withSession(ctx, cp.server, async (s) => {
      for (const st of removalStatements(cp.spec, cp.version)) await s.query(st);
    });
    await ctx.services.store.tenants.removeResource(DATABASE_KIND, `${cp.server}:${cp.spec.database}`);
    ctx.log(`finished dropping ${cp.spec.database} and its user after the interruption`);
  },
});

interface DropCheckpoint {
  server: string;
  spec: DbSpec;
  version: ServerVersion;
  started?: true;
  failed?: boolean;
  copy?: CopyRef;
}
