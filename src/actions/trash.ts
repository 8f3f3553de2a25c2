import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ActionContext, PlanItem } from '../engine/action.js';
import { defineAction } from '../engine/action.js';
import { OperationError } from '../errors.js';
import { parseDomain } from '../dns/domain.js';
import { loadDatabase } from '../db/dump.js';
import { tenantDatabaseName } from '../db/identifiers.js';
import {
  applyChanges,
  creationChanges,
  existing,
  isSuperuser,
  serverVersion,
  type DbSpec,
  type ServerVersion,
} from '../db/provision.js';
import { VHOST_KIND } from '../nginx/site.js';
import { checkResourceQuota } from '../quotas.js';
import { can } from '../resources/policy.js';
import { generatePassword } from '../secrets.js';
import type { DatabaseOrigin, SiteOrigin, TrashItem } from '../store/trash.js';
import { restoreSiteFolder, undoRestoreSiteFolder } from '../targets/site-archive.js';
import { SymlinkRefused } from '../targets/site-folder.js';
import { databaseCreate, DATABASE_KIND, type DatabaseRecord } from './database.js';
import { folderOp } from './site-folder-refusal.js';
import { trashTarget } from './trash-keep.js';
import { prepareRestorePlace, restorePlace, undoRestorePlace } from './vhost-files-restore.js';
import type { SiteCheckpoint as SiteUserCheckpoint } from './vhost-site.js';
import {
  loadFailed,
  noLongerYours,
  notInTrash,
  notThisServer,
  restoreNameTaken,
  serverNotYours,
} from './trash-errors.js';
import { dateInWords } from '../util/dates.js';

/**
 * trash.restore: puts a copy from the trash back (src/actions/trash-keep.ts made it). A
 * database comes back as a new database and user (new password, shown once) with the
 * copy loaded; a site's files come back into a new folder. Nothing is ever restored over
 * something that exists: that is refused with the choice of another name (`name` for a
 * database, `site` for files), checked like a new one. A restore asked again after it
 * succeeded says so; one cut short is undone (the copy stays in the trash).
 */

const params = z.object({
  item: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  server: z.string().optional(),
  site: z.string().optional(),
  name: z.string().optional(),
  tenant: z.string().optional(),
});
type Params = z.output<typeof params>;

/** Whether the copy's tenant (whoever asks, an admin too) may still use this server or name, by the tenancy policy. */
const tenantMay = (
  ctx: ActionContext,
  item: TrashItem,
  inputType: 'database-server' | 'webserver' | 'domain',
  name: string,
) => can(ctx.services.store.tenants, { kind: 'client', tenantId: item.tenantId }, 'use', { inputType, name });

/**
 * A site's files come back only where the copy's tenant may still put them, its own name
 * included (the domain may have been given to another tenant since, whose next site
 * would serve them), and never under another tenant's site of that name.
 */
async function checkSiteRestore(
  ctx: ActionContext,
  item: TrashItem,
  s: { origin: SiteOrigin; name: string },
): Promise<void> {
  if (!(await tenantMay(ctx, item, 'webserver', s.origin.webserver))) throw serverNotYours('site', s.origin.webserver);
  if (!(await tenantMay(ctx, item, 'domain', s.name))) throw noLongerYours(s.name);
  const other = (await ctx.services.store.tenants.resourcesNaming(VHOST_KIND, [s.name])).find(
    (r) => r.tenantId !== item.tenantId,
  );
  if (other)
    throw restoreNameTaken('site', s.name, `restored.${s.origin.primary}`, `${s.name} is a site of another tenant`);
}

/** The copy, if the caller may see it: another tenant's copy does not exist for a client. */
async function ownItem(ctx: ActionContext, p: Params): Promise<TrashItem> {
  const item = await ctx.services.store.trash.get(p.item);
  if (
    !item ||
    (ctx.tenantId && item.tenantId !== ctx.tenantId) ||
    (!ctx.tenantId && p.tenant && p.tenant !== item.tenantId)
  )
    throw notInTrash();
  return item;
}

interface DbPlan {
  origin: DatabaseOrigin;
  short: string;
  spec: DbSpec;
  key: string;
  server: string;
}

function databasePlan(ctx: ActionContext, item: TrashItem, p: Params): DbPlan {
  const origin = item.origin as DatabaseOrigin;
  if (p.server && p.server !== origin.server) throw notThisServer(origin.server);
  const cfg = ctx.services.databases.config(origin.server);
  const short = p.name ?? origin.short;
  const database = tenantDatabaseName(item.tenantId, short);
  return {
    origin,
    short,
    server: origin.server,
    key: `${origin.server}:${database}`,
    spec: { engine: cfg.engine, database, user: database, hosts: cfg.engine === 'mariadb' ? cfg.allowedHosts : [] },
  };
}

/** Another valid short name: the client's own with a suffix, within the 15 characters allowed. */
const otherName = (short: string) => `${short.slice(0, 11)}_old`;

/** The copy's site and the name its files come back as (where: ./vhost-files-restore.ts). */
function sitePlan(_ctx: ActionContext, item: TrashItem, p: Params): { origin: SiteOrigin; name: string } {
  const origin = item.origin as SiteOrigin;
  return { origin, name: p.site ? parseDomain(p.site, false) : origin.primary };
}

interface DbCheckpoint {
  kind: 'database';
  server: string;
  spec: DbSpec;
  version: ServerVersion;
  adminIsSuperuser: boolean;
  done: string[];
  recorded?: boolean;
}
interface SiteCheckpoint extends SiteUserCheckpoint {
  kind: 'site';
  webserver: string;
  folder: string;
  id: string;
  nonce: string;
}

/** Puts a copy from the trash back, under its own name or another one the caller gives. */
export const trashRestore = defineAction({
  name: 'trash.restore',
  params,
  // A site's files come back under the site's lock, as vhost.create and vhost.delete of that name take it
  // (the playbook's own, trash:<item>, stays for a database, and for an item the caller cannot see).
  async lockOf(services, inputs, tenantId) {
    const item = typeof inputs.item === 'string' ? await services.store.trash.get(inputs.item) : undefined;
    if (item?.kind !== 'site' || (tenantId && item.tenantId !== tenantId)) return undefined;
    const site = typeof inputs.site === 'string' && inputs.site ? parseDomain(inputs.site, false) : undefined;
    return `vhost:${site ?? (item.origin as SiteOrigin).primary}`;
  },
  async plan(ctx, p) {
    const item = await ownItem(ctx, p);
    const when = { en: dateInWords(item.createdAt, 'en'), fr: dateInWords(item.createdAt, 'fr') };
    if (item.kind === 'site') {
      const s = sitePlan(ctx, item, p);
      await checkSiteRestore(ctx, item, s);
      const ws = ctx.services.nginx.webserver(s.origin.webserver);
      const user = (await restorePlace(ctx, ws, { ...s, tenantId: item.tenantId })).user?.name;
      return [
        {
          kind: 'file',
          summary: {
            en: `put the files of ${item.name} kept on ${when.en} back as the site ${s.name}'s files (a new folder; refused if it exists)${user ? `, owned by its own user ${user}` : ''}`,
            fr: `remettre les fichiers de ${item.name} gardés le ${when.fr} comme fichiers du site ${s.name} (un nouveau dossier\u00a0; refusé s'il existe)${user ? `, appartenant à son propre compte ${user}` : ''}`,
          },
        },
      ];
    }
    const d = databasePlan(ctx, item, p);
    if (!(await tenantMay(ctx, item, 'database-server', d.server))) throw serverNotYours('database', d.server);
    const items: PlanItem[] = [
      {
        kind: 'statement',
        target: d.server,
        summary: {
          en: `create the database ${d.spec.database} and its user again (refused if the name is taken)`,
          fr: `recréer la base ${d.spec.database} et son utilisateur (refusé si le nom est pris)`,
        },
      },
      {
        kind: 'program',
        target: d.server,
        summary: {
          en: `load the copy of ${item.name} kept on ${when.en} into it`,
          fr: `y charger la copie de ${item.name} gardée le ${when.fr}`,
        },
      },
      {
        kind: 'record',
        summary: { en: `record the database ${d.key}`, fr: `enregistrer la base de données ${d.key}` },
      },
      {
        kind: 'note',
        summary: {
          en: 'a new password is shown once in the result',
          fr: 'un nouveau mot de passe est affiché une seule fois dans le résultat',
        },
      },
    ];
    return items;
  },
  async run(ctx, p) {
    const item = await ownItem(ctx, p);
    const { store } = ctx.services;
    if (item.kind === 'site') {
      const s = sitePlan(ctx, item, p);
      const ws = ctx.services.nginx.webserver(s.origin.webserver);
      await checkSiteRestore(ctx, item, s);
      const place = await restorePlace(ctx, ws, { ...s, tenantId: item.tenantId });
      const cp: SiteCheckpoint = {
        kind: 'site',
        webserver: s.origin.webserver,
        folder: place.folder,
        id: item.id,
        nonce: randomBytes(16).toString('hex'),
      };
      await ctx.checkpoint(cp);
      // In the site-user layout the site's user and home come first; its public folder is the restore's.
      if (!(await prepareRestorePlace(ctx, ws, place, cp, () => ctx.checkpoint(cp)))) {
        await ctx.checkpoint(null);
        throw restoreNameTaken('site', s.name, `restored.${s.origin.primary}`, `${place.folder} exists`);
      }
      const said = await folderOp(() =>
        restoreSiteFolder(ctx.services.target(ws.target), ws.webRoot, place.folder, {
          file: item.file,
          id: item.id,
          nonce: cp.nonce,
          mode: place.mode,
          owner: place.owner,
        }),
      ).catch((err: Error) => {
        throw err instanceof OperationError ? err : loadFailed(item.name, err.message);
      });
      if (said === 'exists') {
        // Nothing of this run's to undo: the folder was there before (this copy restored already, or anything else).
        await ctx.checkpoint(null);
        throw restoreNameTaken('site', s.name, `restored.${s.origin.primary}`, `${place.folder} exists`);
      }
      await store.trash.markRestored(item.id, new Date().toISOString(), place.folder);
      ctx.log(`put the files of ${item.name} back in ${place.folder}`);
      return { kind: 'site', restored: item.name, site: s.name, existed: false };
    }

    const d = databasePlan(ctx, item, p);
    if (!(await tenantMay(ctx, item, 'database-server', d.server))) throw serverNotYours('database', d.server);
    const cfg = ctx.services.databases.config(d.server);
    const rec = await store.tenants.getResource(DATABASE_KIND, d.key);
    const out = {
      kind: 'database',
      restored: item.name,
      database: d.spec.database,
      user: d.spec.user,
      server: d.server,
      host: cfg.host,
      port: cfg.port ?? (cfg.engine === 'mariadb' ? 3306 : 5432),
    };
    if (rec) {
      if (rec.tenantId === item.tenantId && (rec.data as { restoredFrom?: string }).restoredFrom === item.id)
        return { ...out, existed: true };
      throw restoreNameTaken(
        'database',
        d.spec.database,
        otherName(d.short),
        `${d.key} is recorded for tenant ${rec.tenantId}`,
      );
    }
    if (ctx.tenantId) await checkResourceQuota(ctx.services, item.tenantId, 'databases', DATABASE_KIND);
    const s = await ctx.services.databases.open(d.server, ctx.secrets);
    try {
      const version = await serverVersion(s);
      const found = await existing(s, d.spec);
      if (found.database || found.user)
        throw restoreNameTaken(
          'database',
          d.spec.database,
          otherName(d.short),
          `on the server: database ${found.database}, user ${found.user}`,
        );
      const password = ctx.secrets.add(generatePassword());
      const adminIsSuperuser = await isSuperuser(s);
      const changes = creationChanges(d.spec, version, password, { adminIsSuperuser });
      const cp: DbCheckpoint = {
        kind: 'database',
        server: d.server,
        spec: d.spec,
        version,
        adminIsSuperuser,
        done: [],
      };
      await applyChanges(
        s,
        changes,
        async (ids) => {
          cp.done = ids;
          await ctx.checkpoint(cp);
        },
        (m) => ctx.log(m),
      ).catch((err: Error) => {
        // Taken in between by another request (CREATE refuses an existing name): still never overwritten.
        throw restoreNameTaken('database', d.spec.database, otherName(d.short), ctx.secrets.mask(err.message));
      });
      ctx.reached('trash-restore-created');
      // As the new user, never the admin: the copy is the tenant's own SQL (src/db/dump.ts).
      await loadDatabase(trashTarget(ctx.services, item.target), cfg, {
        database: d.spec.database,
        user: d.spec.user,
        password,
        file: item.file,
      }).catch((err: Error) => {
        throw loadFailed(item.name, ctx.secrets.mask(err.message));
      });
      cp.recorded = true;
      await ctx.checkpoint(cp);
      const data: DatabaseRecord & { restoredFrom: string } = {
        server: d.server,
        engine: cfg.engine,
        database: d.spec.database,
        user: d.spec.user,
        hosts: d.spec.hosts,
        restoredFrom: item.id,
      };
      await store.tenants.putResource({
        kind: DATABASE_KIND,
        name: d.key,
        tenantId: item.tenantId,
        data: data as unknown as Record<string, unknown>,
      });
      await store.trash.markRestored(item.id, new Date().toISOString(), d.key);
      ctx.log(`restored ${item.name} as ${d.spec.database}`);
      return { ...out, existed: false, password };
    } finally {
      await s.close();
    }
  },
  async compensate(ctx, p, checkpoint) {
    const cp = checkpoint as DbCheckpoint | SiteCheckpoint | null | undefined;
    if (!cp) return;
    if (cp.kind === 'database')
      return databaseCreate.compensate!(ctx, { server: cp.server, name: '', rotatePassword: false }, cp);
    const ws = ctx.services.nginx.webserver(cp.webserver);
    const said = await undoRestoreSiteFolder(ctx.services.target(ws.target), ws.webRoot, cp.folder, cp).catch(
      (err: unknown) => {
        // The client's own folder changed under the undo: what stays is inside its site and served by nothing.
        if (!(err instanceof SymlinkRefused)) throw err;
        return `left as it is: ${err.message}`;
      },
    );
    ctx.log(`undoing the restore into ${cp.folder}: ${said}`);
    await undoRestorePlace(ctx, ws, cp);
  },
});
