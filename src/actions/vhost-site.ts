import type { ActionContext, PlanItem } from '../engine/action.js';
import type { WebserverConfig } from '../config/schema.js';
import type { NginxProbe } from '../nginx/probe.js';
import { SymlinkRefused, undoCreateSiteFolder } from '../targets/site-folder.js';
import { folderOp } from './site-folder-refusal.js';
import {
  applyPool,
  ensurePhpFolders,
  newPingToken,
  PHP_FOLDERS,
  PHP_PING_PATH,
  poolPaths,
  renderPool,
  restorePool,
  type PreviousPool,
} from './php-pool.js';
import {
  claimSiteUser,
  createSiteLayout,
  ensureSiteUser,
  removeSiteUser,
  userCommentOf,
  useraddArgv,
} from './site-user.js';
import type { Validated } from './vhost-validate.js';

// The parts of vhost.create that give a site its own user, folders and PHP pool, with the
// checkpoints that let a crash anywhere be undone (src/actions/vhost.ts calls them in order).

/** What the site-user steps of one run did, kept in the apply's checkpoint. */
export interface SiteCheckpoint {
  /** The user, and whether it was there before this run (then never removed by the undo). */
  user?: { name: string; domain: string; existed: boolean };
  /** Folders this run may have made: the undo takes the placeholder page and empty folders only. */
  home?: string;
  /** PHP's folders (tmp, sessions) this run made in the home: the undo removes them when empty. */
  phpFolders?: string[];
  /** The pool file as it was before this run wrote it. */
  pool?: PreviousPool;
  /** A pool this run removed (PHP turned off), put back by the undo. */
  poolRemoved?: PreviousPool;
}

/** The site-user steps as the dry run shows them: the user, its folders, its pool. */
export function sitePlan(v: Validated): PlanItem[] {
  const items: PlanItem[] = [];
  const t = v.ws.target;
  if (v.legacy)
    items.push({
      kind: 'note',
      summary: {
        en: `legacy site: its folder ${v.root} stays as it was, with no system user of its own`,
        fr: `site ancien : son dossier ${v.root} reste tel quel, sans compte système propre`,
      },
    });
  if (v.layout === 'shared')
    items.push({
      kind: 'note',
      summary: {
        en: `no system user of its own: this server gives sites none (a container target has no useradd, or siteUsers is off); its folder ${v.root} is the web server's`,
        fr: `sans compte système propre : ce serveur n'en donne pas aux sites (une cible conteneur n'a pas useradd, ou siteUsers est désactivé) ; son dossier ${v.root} est celui du serveur web`,
      },
    });
  if (!v.user || !v.home) return items;
  items.push(
    {
      kind: 'program',
      target: t,
      summary: {
        en: `the site's own system user and group ${v.user} (no login; made if missing)`,
        fr: `le compte système et le groupe propres au site, ${v.user} (sans connexion ; créés s'ils manquent)`,
      },
      argv: useraddArgv(v.user, v.primary, v.home, v.tenant),
    },
    {
      kind: 'file',
      target: t,
      summary: {
        en: `site folders: ${v.home} (the server's, 0755) and inside it ${v.root} (${v.user}'s, read by the web server, 2750)`,
        fr: `dossiers du site : ${v.home} (du serveur, 0755) et dedans ${v.root} (à ${v.user}, lu par le serveur web, 2750)`,
      },
    },
  );
  if (v.php && v.ws.php)
    items.push({
      kind: 'program',
      target: t,
      summary: {
        en: `PHP for the site in its own pool, running as ${v.user}, reading only its own folder; tested, then reloaded`,
        fr: `PHP pour le site dans son propre groupe de processus, sous ${v.user}, ne lisant que son propre dossier ; testé, puis rechargé`,
      },
      argv: [...v.ws.php.fpm, '-t'],
    });
  else if (v.existing?.data.phpSocket)
    items.push({
      kind: 'program',
      target: t,
      summary: {
        en: "turn the site's PHP off (its pool removed)",
        fr: 'désactiver PHP pour le site (son groupe de processus retiré)',
      },
    });
  return items;
}

/**
 * The user, then the folders, then the pool: each checkpointed before it is made. Returns
 * the pool's socket and the probe that proves the pool answers through nginx.
 */
export async function prepareSite(
  ctx: ActionContext,
  v: Validated,
  cp: SiteCheckpoint,
  save: () => Promise<void>,
  page: string,
): Promise<{ phpSocket?: string; probes: NginxProbe[] }> {
  if (!v.user || !v.home) return { probes: [] };
  const target = ctx.services.target(v.ws.target);
  // A user kept from a deleted site of the name is taken only by its own tenant (or for the site already recorded).
  const claim = { user: v.user, domain: v.primary, home: v.home, tenant: v.tenant, recorded: !!v.existing };
  const comment = await userCommentOf(target, v.user);
  if (comment !== undefined) claimSiteUser(comment, claim);
  cp.user = { name: v.user, domain: v.primary, existed: comment !== undefined };
  await save();
  if ((await ensureSiteUser(target, claim)) === 'created') ctx.log(`created the user ${v.user}`);
  cp.home = v.home;
  await save();
  const made = await folderOp(() =>
    createSiteLayout(target, { webRoot: v.ws.webRoot, domain: v.primary, user: v.user!, group: v.ws.nginxGroup, page }),
  );
  if (made.root) ctx.log(`created ${v.root}, ${v.user}'s`);
  if (!v.php || !v.ws.php) return { probes: [] };
  const php = v.ws.php;
  const { file, socket } = poolPaths(php, v.user);
  cp.phpFolders = await ensurePhpFolders(target, v.home, v.user);
  await save();
  const token = newPingToken();
  await applyPool(
    target,
    php,
    {
      path: file,
      content: renderPool(php, { user: v.user, home: v.home, domain: v.primary, tenant: v.tenant, token }),
    },
    {
      onPrevious: async (previous) => {
        cp.pool = previous;
        await save();
      },
      log: (m) => ctx.log(m),
    },
  );
  return { phpSocket: socket, probes: [{ host: v.primary, path: PHP_PING_PATH, expectBody: token }] };
}

/** After nginx no longer names it: the pool of a site whose PHP was turned off goes. */
export async function dropPool(
  ctx: ActionContext,
  ws: WebserverConfig,
  user: string,
  onPrevious: (p: PreviousPool) => Promise<void>,
): Promise<void> {
  if (!ws.php) return;
  await applyPool(
    ctx.services.target(ws.target),
    ws.php,
    { path: poolPaths(ws.php, user).file, content: null },
    {
      onPrevious,
      log: (m) => ctx.log(m),
    },
  );
}

/** Undo of prepareSite (and dropPool), in reverse: the pool, the folders (placeholder and empty only), the user if new. */
export async function undoSite(
  ctx: ActionContext,
  ws: WebserverConfig,
  cp: SiteCheckpoint,
  page: string,
): Promise<void> {
  const target = ctx.services.target(ws.target);
  for (const p of [cp.poolRemoved, cp.pool]) if (p && ws.php) await restorePool(target, ws.php, p);
  let emptied = true;
  // PHP's folders go when empty: those this run made, and a new site's (a crash may have come before its checkpoint).
  const phpFolders = cp.user && !cp.user.existed && cp.home ? PHP_FOLDERS.map((d) => `${cp.home}/${d}`) : cp.phpFolders;
  if (phpFolders?.length) await target.run(['rmdir', '--ignore-fail-on-non-empty', '--', ...phpFolders]);
  if (cp.home) {
    for (const folder of [`${cp.home}/public`, cp.home])
      await undoCreateSiteFolder(target, ws.webRoot, folder, page).catch((err: unknown) => {
        if (!(err instanceof SymlinkRefused)) throw err;
        ctx.log(`left the new site folder as it is: ${err.message}`);
      });
    emptied = await folderOp(async () => (await target.run(['test', '-e', cp.home!])).code !== 0).catch(() => false);
  }
  // A user whose folder still holds files keeps them owned: never files of a uid a later site could be given.
  if (cp.user && !cp.user.existed) {
    if (emptied) await removeSiteUser(target, cp.user.name, cp.user.domain);
    else ctx.log(`kept the user ${cp.user.name}: ${cp.home} still holds files`);
  }
}
