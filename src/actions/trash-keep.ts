import { randomUUID } from 'node:crypto';
import type { Config, WebserverConfig } from '../config/schema.js';
import type { ActionContext, Services } from '../engine/action.js';
import { dumpDatabase } from '../db/dump.js';
import { adminPassword } from '../db/session.js';
import type { DbSpec } from '../db/provision.js';
import { DAEMON_MACHINE as DAEMON, trashDir, trashTarget as placeOf } from '../targets/trash-place.js';
import { archiveSiteFolder } from '../targets/site-archive.js';
import { SymlinkRefused } from '../targets/site-folder.js';
import type { Target } from '../targets/target.js';
import type { TrashItem } from '../store/trash.js';
import { sizeInWords } from '../notify/disk-messages.js';
import { dateInWords } from '../util/dates.js';
import { copyFailed } from './trash-errors.js';

/**
 * Deletes that lose nothing: before database.delete drops a database, and before
 * vhost.delete removes a site's files, a copy goes to the trash (a dump, an archive),
 * recorded in the store, restorable with trash.restore until `trash.keepDays` have
 * passed. A copy that cannot be made stops the delete: nothing is deleted without one.
 */

/** The target that holds a copy: a configured one, or the daemon's own machine (recorded as ''). */
export const trashTarget = (services: Pick<Services, 'target'>, name: string): Target =>
  placeOf((n) => services.target(n), name);

/** A copy about to be made: its id and file, checkpointed before anything is written so an undo can remove it. */
export interface CopyRef {
  id: string;
  target: string;
  file: string;
}

const expiry = (config: Config, now: Date) =>
  new Date(now.getTime() + config.trash.keepDays * 86_400_000).toISOString();

/** The job log's line for a copy kept, read by the client: its size and last day in their words. */
const keptLine = (ctx: ActionContext, what: { en: string; fr: string }, item: TrashItem) => {
  const size = sizeInWords(item.bytes, ctx.language);
  const until = dateInWords(item.expiresAt, ctx.language);
  return ctx.language === 'fr'
    ? `copie ${what.fr} gardée dans la corbeille (${size}) jusqu'au ${until}`
    : `kept a copy of ${what.en} in the trash (${size}) until ${until}`;
};

/** Names the copy of a database (nothing written yet). */
export function databaseCopyRef(services: Services, server: string): CopyRef {
  const cfg = services.databases.config(server);
  const id = randomUUID();
  return {
    id,
    target: cfg.via === 'client' && cfg.target ? cfg.target : DAEMON,
    file: `${trashDir(services.config)}/${id}.${cfg.engine === 'mariadb' ? 'sql.gz' : 'pgdump'}`,
  };
}

/** Dumps the database into the trash and records it: the step before its DROP. */
export async function keepDatabaseCopy(
  ctx: ActionContext,
  ref: CopyRef,
  o: { server: string; spec: DbSpec; short: string; tenantId: string },
): Promise<TrashItem> {
  const { services } = ctx;
  const cfg = services.databases.config(o.server);
  const password = await adminPassword(cfg, ctx.secrets);
  let bytes: number;
  try {
    bytes = await dumpDatabase(trashTarget(services, ref.target), cfg, password, o.spec.database, ref.file);
  } catch (err) {
    throw copyFailed(
      { en: `the database ${o.spec.database}`, fr: `la base ${o.spec.database}` },
      ctx.secrets.mask((err as Error).message),
    );
  }
  const now = new Date();
  const item: TrashItem = {
    ...ref,
    tenantId: o.tenantId,
    kind: 'database',
    name: o.spec.database,
    bytes,
    origin: {
      kind: 'database',
      server: o.server,
      engine: cfg.engine,
      database: o.spec.database,
      user: o.spec.user,
      hosts: o.spec.hosts,
      short: o.short,
    },
    createdAt: now.toISOString(),
    expiresAt: expiry(services.config, now),
    restoredAt: null,
  };
  await services.store.trash.add(item);
  ctx.log(keptLine(ctx, { en: o.spec.database, fr: `de ${o.spec.database}` }, item));
  return item;
}

/** Names the copy of a site's files (nothing written yet). */
export function siteCopyRef(services: Services, ws: WebserverConfig): CopyRef {
  const id = randomUUID();
  return { id, target: ws.target, file: `${trashDir(services.config)}/${id}.tar.gz` };
}

/** Archives the site's folder into the trash and records it; undefined when the folder is not there (nothing to keep). */
export async function keepSiteCopy(
  ctx: ActionContext,
  ref: CopyRef,
  o: { ws: WebserverConfig; webserver: string; root: string; primary: string; tenantId: string },
): Promise<TrashItem | undefined> {
  const { services } = ctx;
  let bytes: number | undefined;
  try {
    bytes = await archiveSiteFolder(services.target(o.ws.target), o.ws.webRoot, o.root, ref.file);
  } catch (err) {
    // A link met on the way is the client's doing: said as the site-folder refusal says it (src/actions/site-folder-refusal.ts).
    if (err instanceof SymlinkRefused) throw err;
    throw copyFailed({ en: `the files of ${o.primary}`, fr: `des fichiers de ${o.primary}` }, (err as Error).message);
  }
  if (bytes === undefined) return undefined;
  const now = new Date();
  const item: TrashItem = {
    ...ref,
    tenantId: o.tenantId,
    kind: 'site',
    name: o.primary,
    bytes,
    origin: { kind: 'site', webserver: o.webserver, root: o.root, primary: o.primary, owner: o.ws.siteOwner },
    createdAt: now.toISOString(),
    expiresAt: expiry(services.config, now),
    restoredAt: null,
  };
  await services.store.trash.add(item);
  ctx.log(keptLine(ctx, { en: `the files of ${o.primary}`, fr: `des fichiers de ${o.primary}` }, item));
  return item;
}

/** Undoes a copy of a delete that did not happen: its record and its file go (idempotent). */
export async function forgetCopy(services: Services, ref: CopyRef): Promise<void> {
  await services.store.trash.remove(ref.id);
  const target = trashTarget(services, ref.target);
  for (const f of [ref.file, `${ref.file}.part`, `${ref.file}.part.gz`]) await target.remove(f);
}

/** The plan line of a delete that keeps a copy. */
export const keepPlan = (config: Config, what: { en: string; fr: string }) => ({
  kind: 'file' as const,
  summary: {
    en: `keep a copy of ${what.en} in the trash for ${config.trash.keepDays} days (restorable in one click)`,
    fr: `garder une copie de ${what.fr} dans la corbeille pendant ${config.trash.keepDays} jours (restaurable en un clic)`,
  },
});
