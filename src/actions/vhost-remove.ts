import { posix } from 'node:path';
import { z } from 'zod';
import type { ActionContext } from '../engine/action.js';
import { defineAction } from '../engine/action.js';
import { parseDomain } from '../dns/domain.js';
import { unifiedDiff } from '../diff.js';
import { safeApplyNginx, type PreviousFile } from '../nginx/apply.js';
import { restoreFiles } from '../nginx/restore.js';
import { PROBE_PATH, vhostFilePath, VHOST_KIND, type VhostData } from '../nginx/site.js';
import { removeSiteFolder, SymlinkRefused } from '../targets/site-folder.js';
import { deleteRefused } from './site-folder-refusal.js';
import { assertMachineReady } from '../check/index.js';
import { retireSiteCertificate, undoRetire } from './certificate-retire.js';
import { forgetCopy, keepPlan, keepSiteCopy, siteCopyRef, type CopyRef } from './trash-keep.js';
import { inside } from './vhost-validate.js';
import { filesPartlyRemoved, noSuchSite } from './vhost-errors.js';
import { restorePool, type PreviousPool } from './php-pool.js';
import { removeSiteUser } from './site-user.js';
import { endSiteUserAccess } from './site-user-access.js';
import { dropPool } from './vhost-site.js';

/** The folder a delete removes: the site's home in the site-user layout (public inside it), else its document root. */
const folderOf = (d: VhostData): string => (d.user ? posix.dirname(d.root!) : d.root!);

const removeParams = z.object({ domain: z.string().min(1), removeFiles: z.boolean().default(false) });

interface RemoveCheckpoint {
  webserver: string;
  record: { tenantId: string; data: VhostData };
  previous?: PreviousFile[];
  forgotten?: boolean;
  retired?: string;
  filesStarted?: boolean;
  copy?: CopyRef;
  kept?: boolean;
  /** The site's pool as it was before this run removed it. */
  poolRemoved?: PreviousPool;
}

/** The recorded vhost of this caller, or "not found" (another tenant's vhost does not exist for a client). */
async function ownVhost(ctx: ActionContext, domain: string): Promise<{ tenantId: string; data: VhostData }> {
  const name = parseDomain(domain, false);
  const rec = await ctx.services.store.tenants.getResource(VHOST_KIND, name);
  if (!rec || (ctx.tenantId && rec.tenantId !== ctx.tenantId)) {
    throw noSuchSite(name);
  }
  return { tenantId: rec.tenantId, data: rec.data as unknown as VhostData };
}

/**
 * Removes a vhost: its configuration goes (through safeApplyNginx, so nginx is tested,
 * reloaded and probed until the name no longer answers), then its record, and its
 * certificate is retired (its files removed). Site files are kept unless removeFiles is true.
 */
export const vhostRemove = defineAction({
  name: 'vhost.remove',
  params: removeParams,
  async plan(ctx, p) {
    const { data } = await ownVhost(ctx, p.domain);
    const ws = ctx.services.nginx.webserver(data.webserver);
    await assertMachineReady(ctx.services, { webserver: data.webserver, parts: ['vhosts', 'nginx', 'reload'] });
    const before = (await ctx.services.target(ws.target).readFile(data.file))?.toString('utf8');
    return [
      {
        kind: 'file',
        target: ws.target,
        summary: { en: `remove ${data.file}`, fr: `supprimer ${data.file}` },
        diff: unifiedDiff(data.file, before, undefined),
      },
      {
        kind: 'program',
        target: ws.target,
        summary: {
          en: 'test the web server (nginx) configuration, then reload it',
          fr: 'tester la configuration du serveur web (nginx), puis le recharger',
        },
        argv: [...ws.nginx, '-t'],
      },
      {
        kind: 'record',
        summary: { en: `forget the site ${data.primary}`, fr: `retirer le site ${data.primary} de vos ressources` },
      },
      ...(data.tls
        ? [
            {
              kind: 'file' as const,
              target: ws.target,
              summary: {
                en: "retire the site's certificate and remove its files (it is not renewed any more)",
                fr: 'retirer le certificat du site et supprimer ses fichiers (il ne sera plus renouvelé)',
              },
            },
          ]
        : []),
      ...(p.removeFiles && data.root
        ? [keepPlan(ctx.services.config, { en: `the files of ${data.primary}`, fr: `des fichiers de ${data.primary}` })]
        : []),
      {
        kind: 'note',
        summary:
          p.removeFiles && data.root
            ? { en: `delete the site files in ${data.root}`, fr: `supprimer les fichiers du site dans ${data.root}` }
            : {
                en: `keep the site files${data.root ? ` in ${data.root}` : ''}`,
                fr: `conserver les fichiers du site${data.root ? ` dans ${data.root}` : ''}`,
              },
      },
    ];
  },
  async run(ctx, p) {
    const record = await ownVhost(ctx, p.domain);
    const { data } = record;
    const ws = ctx.services.nginx.webserver(data.webserver);
    const target = ctx.services.target(ws.target);
    const cp: RemoveCheckpoint = { webserver: data.webserver, record };
    await ctx.checkpoint(cp);
    const current = (await target.readFile(data.file))?.toString('utf8');
    // The live config's probe token: once it no longer answers for any name, the vhost is gone.
    const token = current && /serein-probe-[0-9a-f]{16}/.exec(current)?.[0];
    const probes = token
      ? [data.primary, ...data.aliases].map((host) => ({ host, path: PROBE_PATH, absentBody: token }))
      : [];
    await safeApplyNginx(
      ctx.services.nginx,
      data.webserver,
      [{ path: data.file || vhostFilePath(ws, data.primary), content: null }],
      probes,
      {
        onPrevious: async (previous) => {
          cp.previous = previous;
          await ctx.checkpoint(cp);
        },
        log: (m) => ctx.log(m),
      },
    );
    // nginx no longer passes anything to the site's PHP: its pool goes (put back by the undo).
    if (data.user && data.phpSocket)
      await dropPool(ctx, ws, data.user, async (previous) => {
        cp.poolRemoved = previous;
        await ctx.checkpoint(cp);
      });
    cp.forgotten = true;
    await ctx.checkpoint(cp);
    await ctx.services.store.tenants.removeResource(VHOST_KIND, data.primary);
    // nginx no longer names the certificate's files: it is retired, its files removed (src/actions/certificate-retire.ts).
    await retireSiteCertificate(ctx, data, async (id) => {
      cp.retired = id;
      await ctx.checkpoint(cp);
    });
    let filesRemoved = false;
    if (p.removeFiles && data.root) {
      const webRoot = ws.webRoot.replace(/\/+$/, '');
      if (inside(data.root, webRoot) && data.root !== webRoot) {
        cp.copy = siteCopyRef(ctx.services, ws); // a copy in the trash first (./trash-keep.ts), named before it is written
        await ctx.checkpoint(cp);
        cp.kept = !!(await keepSiteCopy(ctx, cp.copy, {
          ws,
          webserver: data.webserver,
          root: data.root,
          primary: data.primary,
          tenantId: record.tenantId,
        }).catch((err: Error) => {
          throw err instanceof SymlinkRefused ? deleteRefused(err) : err;
        }));
        cp.filesStarted = true;
        await ctx.checkpoint(cp);
        const removed = await removeSiteFolder(target, ws.webRoot, folderOf(data)).catch(async (err: Error) => {
          if (!(err instanceof SymlinkRefused)) throw filesPartlyRemoved(data.primary, err.message);
          // Refused before anything was deleted: the undo puts the site back as it was, and the client is told why.
          delete cp.filesStarted;
          await ctx.checkpoint(cp);
          throw deleteRefused(err);
        });
        filesRemoved = removed !== 'absent';
        ctx.log(
          removed === 'removed'
            ? `deleted ${data.root}`
            : removed === 'emptied'
              ? `deleted the files in ${data.root}; the empty folder stays, the folder above it having moved`
              : `${data.root} was not there`,
        );
      } else {
        ctx.log(`kept ${data.root}: it is not inside the web root ${webRoot}`);
      }
    }
    // The user goes with its files, never before: a file whose owner was removed would belong to the next site given its number.
    if (data.user && (filesRemoved || !p.removeFiles)) {
      if (p.removeFiles && (await removeSiteUser(target, data.user, data.primary)) === 'removed')
        ctx.log(`removed the user ${data.user} and its group`);
      else if (!p.removeFiles) {
        // Its files are kept, its access is not: no process, crontab or at job of the deleted site runs on.
        await endSiteUserAccess(target, data.user);
        ctx.log(`kept the user ${data.user}: its files are kept; its processes and scheduled jobs were ended`);
      }
    }
    return { primary: data.primary, removed: true, filesRemoved, root: data.root };
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as RemoveCheckpoint | undefined;
    if (!cp) return;
    // The files have a copy in the trash: a removal cut short is finished, nothing is lost (the client restores from the trash).
    if (cp.filesStarted && cp.kept) {
      const ws = ctx.services.nginx.webserver(cp.webserver);
      const target = ctx.services.target(ws.target);
      await removeSiteFolder(target, ws.webRoot, folderOf(cp.record.data));
      if (cp.record.data.user) await removeSiteUser(target, cp.record.data.user, cp.record.data.primary);
      return;
    }
    if (!cp.filesStarted && cp.copy) await forgetCopy(ctx.services, cp.copy);
    // Putting the site back over half-deleted files would serve a broken site: an admin finishes instead.
    if (cp.filesStarted)
      throw new Error(
        `the site ${cp.record.data.primary} is removed but its files in ${cp.record.data.root} may be only partly deleted: finish by hand`,
      );
    if (cp.retired) await undoRetire(ctx, cp.webserver, cp.retired, cp.record.data); // the certificate's files back before the site that names them
    if (cp.forgotten) {
      await ctx.services.store.tenants.putResource({
        kind: VHOST_KIND,
        name: cp.record.data.primary,
        tenantId: cp.record.tenantId,
        data: cp.record.data as unknown as Record<string, unknown>,
      });
    }
    if (cp.poolRemoved) {
      const ws = ctx.services.nginx.webserver(cp.webserver);
      if (ws.php) await restorePool(ctx.services.target(ws.target), ws.php, cp.poolRemoved);
    }
    if (cp.previous) await restoreFiles(ctx.services.nginx, cp.webserver, cp.previous, (m) => ctx.log(m));
  },
});
