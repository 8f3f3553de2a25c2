import { posix } from 'node:path';
import type { WebserverConfig } from '../config/schema.js';
import { siteUsersOn } from '../config/sites.js';
import type { ActionContext } from '../engine/action.js';
import { defaultRoot, VHOST_KIND, type VhostData } from '../nginx/site.js';
import type { SiteOrigin } from '../store/trash.js';
import { siteFolderExists } from '../targets/site-folder.js';
import { folderOp } from './site-folder-refusal.js';
import {
  claimSiteUser,
  createSiteLayout,
  ensureSiteUser,
  siteLayout,
  siteUserName,
  userCommentOf,
} from './site-user.js';
import { undoSite, type SiteCheckpoint } from './vhost-site.js';

// Where trash.restore puts a site's files back (src/actions/trash.ts), and as whose: in the
// site-user layout, the site's public folder, its own user's and nginx's group's, as
// vhost.create makes it; else the folder of a site made before, as it was.

/** Where a site's files come back: the folder, its mode and owner, and the site's user when it has one. */
export interface RestorePlace {
  folder: string;
  mode: number;
  owner?: string;
  /**
   * The site's own user and home (root's, made first): the public folder is unpacked inside;
   * the copy's tenant, and whether the site is recorded as its (see claimSiteUser).
   */
  user?: { name: string; domain: string; home: string; tenant: string; recorded: boolean };
}

/**
 * The place for `name`'s files: its site's, when it has one with its own user; a new site's
 * in the site-user layout when the server gives sites users and no site has the name; else
 * the folder a restore always used (the copy's own, or the default one under another name).
 */
export async function restorePlace(
  ctx: ActionContext,
  ws: WebserverConfig,
  s: { origin: SiteOrigin; name: string; tenantId: string },
): Promise<RestorePlace> {
  const record = await ctx.services.store.tenants.getResource(VHOST_KIND, s.name);
  const site = record?.data as unknown as VhostData | undefined;
  const own = (user: string, root: string): RestorePlace => ({
    folder: root,
    mode: 0o2750,
    owner: `${user}:${ws.nginxGroup}`,
    user: { name: user, domain: s.name, home: posix.dirname(root), tenant: s.tenantId, recorded: !!site },
  });
  if (site?.user && site.root) return own(site.user, site.root);
  if (!site && siteUsersOn(ws, ctx.services.config.targets))
    return own(siteUserName(s.name), siteLayout(ws.webRoot, s.name).root);
  const folder = s.name === s.origin.primary ? s.origin.root : defaultRoot(ws, s.name);
  return { folder, mode: 0o755, owner: s.origin.owner };
}

/**
 * Before the files are unpacked: the site's user (made if missing) and its home, each
 * checkpointed first so a crash is undone. Returns false, changing nothing, when the folder
 * is already there (the restore is then refused: nothing is restored over it).
 */
export async function prepareRestorePlace(
  ctx: ActionContext,
  ws: WebserverConfig,
  place: RestorePlace,
  cp: SiteCheckpoint,
  save: () => Promise<void>,
): Promise<boolean> {
  const target = ctx.services.target(ws.target);
  if (!place.user) return true;
  if (await folderOp(() => siteFolderExists(target, ws.webRoot, place.folder))) return false;
  const { name, domain, home, tenant, recorded } = place.user;
  // Another tenant's user kept from a deleted site of the name is not given this tenant's files.
  const claim = { user: name, domain, home, tenant, recorded };
  const comment = await userCommentOf(target, name);
  if (comment !== undefined) claimSiteUser(comment, claim);
  cp.user = { name, domain, existed: comment !== undefined };
  await save();
  if ((await ensureSiteUser(target, claim)) === 'created') ctx.log(`created the user ${name}`);
  cp.home = home;
  await save();
  await folderOp(() =>
    createSiteLayout(target, { webRoot: ws.webRoot, domain, user: name, group: ws.nginxGroup, page: null }),
  );
  return true;
}

/** Undo of prepareRestorePlace, once the restore's own folder is gone: the home if empty, then the user if this run made it. */
export const undoRestorePlace = (ctx: ActionContext, ws: WebserverConfig, cp: SiteCheckpoint) =>
  undoSite(ctx, ws, { user: cp.user, home: cp.home }, '');
