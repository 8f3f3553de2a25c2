import { z } from 'zod';
import { defineAction } from '../engine/action.js';
import { removalStatements, type DbSpec, type ServerVersion } from '../db/provision.js';
import { base, DATABASE_KIND, readVersion, resolve, withSession } from './database.js';
import { confirmDeletion, noSuchDatabase, statementFailed } from './database-errors.js';
import { databaseCopyRef, forgetCopy, keepDatabaseCopy, keepPlan, type CopyRef } from './trash-keep.js';

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
      throw noSuchDatabase(r.spec.database);
    }
    if (p.confirm !== r.spec.database) {
      throw confirmDeletion(r.spec.database, ctx.services.config.trash.keepDays);
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
          throw statementFailed(p.server, err, ctx.secrets, 'drop');
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
