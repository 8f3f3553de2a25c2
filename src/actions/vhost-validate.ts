import { posix } from 'node:path';
import { z } from 'zod';
import type { WebserverConfig } from '../config/schema.js';
import type { ActionContext } from '../engine/action.js';
import { parseDomain } from '../dns/domain.js';
import { tldts } from '../dns/names.js';
import { defaultRoot, vhostFilePath, VHOST_KIND, type VhostData } from '../nginx/site.js';
import { unsafeNginxValue } from '../nginx/template.js';
import { siteFolderExists } from '../targets/site-folder.js';
import { checkResourceQuota } from '../quotas.js';
import { clientUpstream } from '../nginx/upstream-policy.js';
import { folderOp } from './site-folder-refusal.js';
import {
  badPath,
  domainUnregistered,
  nameTaken,
  notYours,
  phpNeedsOwnUser,
  phpNotOffered,
  rootAndUpstream,
} from './vhost-errors.js';
import { siteLayout, siteUserName } from './site-user.js';
import { siteUsersOn } from '../config/sites.js';

/** The inputs of vhost.check and vhost.apply (the playbook's, as its steps pass them). */
export const createParams = z.object({
  webserver: z.string().min(1),
  domain: z.string().min(1),
  /** Absent: a www. alias for a registered domain (example.com), none for a subdomain. */
  aliases: z.array(z.string()).optional(),
  root: z.string().optional(),
  upstream: z.string().optional(),
  /** The site runs PHP as its own user; absent: as it was (none for a new site). */
  php: z.boolean().optional(),
});
/** vhost.create's inputs after parsing. */
export type CreateParams = z.output<typeof createParams>;

/** Whether path is dir or inside it (no normalisation: callers pass normalised paths). */
export const inside = (path: string, dir: string) =>
  path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** A vhost.create request once checked: what the check and the apply act on. */
export interface Validated {
  ws: WebserverConfig;
  primary: string;
  aliases: string[];
  root?: string;
  upstream?: string;
  tenant: string;
  existing?: { tenantId: string; data: VhostData };
  /** The site's own system user (the site-user layout); absent for a proxy or a legacy site. */
  user?: string;
  /** The site's home in the site-user layout: root's, its SFTP chroot, the document root inside. */
  home?: string;
  /** A site with files made before its server gave each site a user: kept as it is, told to admins. */
  legacy: boolean;
  php: boolean;
  /**
   * How the site's files are kept, as admins read it: 'own' (its user), 'legacy' (made before,
   * the web server's), 'shared' (a server that gives sites no user: a container target, or
   * siteUsers off), 'none' (a proxy, no files).
   */
  layout: 'own' | 'legacy' | 'shared' | 'none';
}

/**
 * Everything checked before anything changes: names (IDN, syntax), ownership (every name
 * belongs to the tenant, none under another tenant's domain), names not used by any
 * other site, root inside the web root and free of symbolic links, no unmanaged file.
 */
export async function validate(
  ctx: ActionContext,
  p: CreateParams,
  o: { lookAtFolder: boolean | 'live' } = { lookAtFolder: true },
): Promise<Validated> {
  const ws = ctx.services.nginx.webserver(p.webserver);
  const tenants = ctx.services.store.tenants;
  const primary = parseDomain(p.domain, false);
  const registered = tldts().getDomain(primary) === primary;
  const aliases = [
    ...new Set((p.aliases ?? (registered ? [`www.${primary}`] : [])).map((a) => parseDomain(a, false))),
  ].filter((a) => a !== primary);
  const names = [primary, ...aliases];

  let tenant: string;
  if (ctx.tenantId) {
    tenant = ctx.tenantId;
    for (const n of names) if ((await tenants.domainOwner(n)) !== tenant) throw notYours(n);
  } else {
    const owner = await tenants.domainOwner(primary);
    if (!owner) {
      throw domainUnregistered(primary, tldts().getDomain(primary) ?? primary);
    }
    tenant = owner;
    for (const n of aliases) {
      const o = await tenants.domainOwner(n);
      if (o !== owner)
        throw nameTaken(n, o ? `owned by tenant ${o}, the site by ${owner}` : `not registered to tenant ${owner}`);
    }
  }

  let existing: Validated['existing'];
  for (const r of await tenants.resourcesNaming(VHOST_KIND, names)) {
    const d = r.data as unknown as VhostData;
    if (r.name === primary) {
      if (r.tenantId !== tenant) throw nameTaken(primary, `vhost recorded for tenant ${r.tenantId}`);
      if (d.webserver !== p.webserver) throw nameTaken(primary, `vhost already on webserver ${d.webserver}`);
      existing = { tenantId: r.tenantId, data: d };
      continue;
    }
    const clash = [d.primary, ...(d.aliases ?? [])].find((n) => names.includes(n));
    if (clash) throw nameTaken(clash, `used by vhost ${r.name} of tenant ${r.tenantId}`);
  }

  // 'live': a new site's folder is looked at by the script that creates it (one program on the target per site, not two).
  const look = o.lookAtFolder === 'live' ? !!existing : o.lookAtFolder;

  if (!existing && ctx.tenantId) await checkResourceQuota(ctx.services, tenant, 'vhosts', VHOST_KIND); // admins are not limited

  if (p.root && p.upstream) {
    throw rootAndUpstream();
  }
  let root: string | undefined;
  let upstream: string | undefined;
  const usersHere = siteUsersOn(ws, ctx.services.config.targets);
  let user: string | undefined;
  let home: string | undefined;
  if (p.upstream) {
    let url: URL | undefined;
    try {
      url = new URL(p.upstream);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || unsafeNginxValue(p.upstream)) {
      throw badPath(
        'The address',
        p.upstream,
        {
          en: 'is not an http(s) address serein can forward to.',
          fr: "n'est pas une adresse http(s) vers laquelle serein peut transférer.",
        },
        {
          en: 'Use an address like http://app.example.com:3000.',
          fr: 'Utilisez une adresse comme http://app.exemple.fr:3000.',
        },
      );
    }
    // A client's upstream must be allowed by the web server's policy; it comes back pinned to the checked address.
    upstream = ctx.tenantId
      ? await clientUpstream({ dns: ctx.services.dns, webservers: ctx.services.nginx.all }, ws, p.upstream)
      : p.upstream;
  } else if (ownLayout(usersHere, existing?.data)) {
    // The site-user layout: the document root is <web root>/<domain>/public, nothing else.
    const layout = siteLayout(ws.webRoot, primary);
    if (p.root && posix.normalize(p.root).replace(/\/+$/, '') !== layout.root)
      throw badPath(
        'The folder',
        p.root,
        { en: `is not allowed as the site's folder.`, fr: "n'est pas permis comme dossier du site." },
        {
          en: `Leave the folder empty: the site's files go in ${layout.root}.`,
          fr: `Laissez le dossier vide : les fichiers du site vont dans ${layout.root}.`,
        },
      );
    root = layout.root;
    home = layout.home;
    user = existing?.data.user ?? siteUserName(primary);
    if (look) await folderOp(() => siteFolderExists(ctx.services.target(ws.target), ws.webRoot, layout.root));
  } else {
    root = posix.normalize(p.root ?? defaultRoot(ws, primary)).replace(/\/+$/, '');
    const mine = defaultRoot(ws, primary);
    const allowed = ctx.tenantId ? mine : ws.webRoot.replace(/\/+$/, '');
    if (
      !root.startsWith('/') ||
      (p.root ?? '').split('/').includes('..') ||
      !inside(root, allowed) ||
      root === ws.webRoot.replace(/\/+$/, '') ||
      unsafeNginxValue(root)
    ) {
      throw badPath(
        'The folder',
        p.root ?? root,
        { en: `is not allowed as the site's folder.`, fr: "n'est pas permis comme dossier du site." },
        { en: `Use ${mine} or a folder inside it.`, fr: `Utilisez ${mine} ou un dossier à l'intérieur.` },
      );
    }
    const folder = root;
    if (look) await folderOp(() => siteFolderExists(ctx.services.target(ws.target), ws.webRoot, folder));
  }

  if (!existing && (await ctx.services.target(ws.target).readFile(vhostFilePath(ws, primary))) !== undefined) {
    throw nameTaken(primary, `${vhostFilePath(ws, primary)} exists but serein has no record of it`);
  }
  const legacy = !!root && !user && usersHere;
  const layout = user ? 'own' : !root ? 'none' : legacy ? 'legacy' : 'shared';
  const php = !upstream && (p.php ?? !!existing?.data.phpSocket);
  // PHP runs only as a site's own user: a server giving sites none does not offer it.
  if (php && (!ws.php || layout === 'shared')) throw phpNotOffered(p.webserver);
  if (php && legacy) throw phpNeedsOwnUser(primary);
  return { ws, primary, aliases, root, upstream, tenant, existing, user, home, legacy, php, layout };
}

/**
 * Whether a site serving files gets the site-user layout: on a server that gives each site
 * its user, for a new site and for one made so; a site made before keeps its folder ("legacy").
 */
function ownLayout(siteUsers: boolean, existing: VhostData | undefined): boolean {
  if (!siteUsers) return !!existing?.user;
  return !existing?.root || !!existing.user;
}
