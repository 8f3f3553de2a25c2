import type { PlanItem } from '../engine/action.js';
import { defineAction } from '../engine/action.js';
import { unifiedDiff } from '../diff.js';
import { safeApplyNginx, type PreviousFile } from '../nginx/apply.js';
import { restoreFiles } from '../nginx/restore.js';
import { PLAN_RELOAD_NGINX, PLAN_TEST_NGINX } from '../nginx/messages.js';
import { newVhostData, renderVhost, VHOST_KIND, type VhostData } from '../nginx/site.js';
import { createSiteFolder, siteFolderExists, SymlinkRefused, undoCreateSiteFolder } from '../targets/site-folder.js';
import { folderOp } from './site-folder-refusal.js';
import { assertMachineReady } from '../check/index.js';
import { createParams, validate } from './vhost-validate.js';
import { dropPool, prepareSite, sitePlan, undoSite, type SiteCheckpoint } from './vhost-site.js';

export { vhostRemove } from './vhost-remove.js';

/** Preflight of vhost.create: validates the request; changes nothing. */
export const vhostCheck = defineAction({
  name: 'vhost.check',
  params: createParams,
  async plan() {
    return [];
  },
  async run(ctx, p) {
    // A new site's folder is looked at by vhost.apply's script, which refuses a link as this look would.
    const v = await validate(ctx, p, { lookAtFolder: 'live' });
    return {
      primary: v.primary,
      aliases: v.aliases,
      names: [v.primary, ...v.aliases],
      root: v.root,
      upstream: v.upstream,
      tenant: v.tenant,
      update: !!v.existing,
      user: v.user,
      php: v.php,
      layout: v.layout,
    };
  },
});

interface ApplyCheckpoint extends SiteCheckpoint {
  webserver: string;
  primary: string;
  createdRoot?: string;
  previous?: PreviousFile[];
  record?: { before: { tenantId: string; data: VhostData } | null };
}

const placeholder = (primary: string) =>
  `<!doctype html>\n<meta charset="utf-8">\n<title>${primary}</title>\n<p>${primary} is ready. Upload your site here.</p>\n`;

/**
 * Creates (or updates) a vhost: site folder, configuration rendered from the admin's
 * template, published through safeApplyNginx (test, reload, probe, rollback), then recorded.
 */
export const vhostApply = defineAction({
  name: 'vhost.apply',
  params: createParams,
  async plan(ctx, p) {
    const v = await validate(ctx, p);
    // What the real run would hit on the machine (no site configuration folder, no nginx, a reload that cannot work) fails the check too.
    await assertMachineReady(ctx.services, {
      webserver: p.webserver,
      parts: [
        'vhosts',
        'sites',
        'logs',
        'nginx',
        'reload',
        ...(v.user ? ['users' as const] : []),
        ...(v.php ? ['php' as const] : []),
      ],
    });
    const data = newVhostData(v.ws, p.webserver, {
      primary: v.primary,
      aliases: v.aliases,
      root: v.root,
      upstream: v.upstream,
      tls: v.existing?.data.tls ?? false,
      certVersion: v.existing?.data.certVersion,
    });
    const rendered = renderVhost(ctx.services.nginx, data, { tenant: v.tenant });
    const before = (await ctx.services.target(v.ws.target).readFile(data.file))?.toString('utf8');
    const items: PlanItem[] = sitePlan(v);
    if (v.root && !v.user)
      items.push({
        kind: 'file',
        target: v.ws.target,
        summary: {
          en: `site folder: ${v.root} (created if missing)`,
          fr: `dossier du site : ${v.root} (créé s'il n'existe pas)`,
        },
      });
    items.push(
      {
        kind: 'file',
        target: v.ws.target,
        summary: { en: `write ${data.file}`, fr: `écrire ${data.file}` },
        diff: unifiedDiff(data.file, before, rendered.file.content ?? undefined),
      },
      { kind: 'program', target: v.ws.target, summary: PLAN_TEST_NGINX, argv: [...v.ws.nginx, '-t'] },
      {
        kind: 'program',
        target: v.ws.target,
        summary: PLAN_RELOAD_NGINX,
        argv: v.ws.reload ?? [...v.ws.nginx, '-s', 'reload'],
      },
      ...rendered.probes.map((pr) => ({
        kind: 'request' as const,
        summary: {
          en: `check that ${pr.scheme ?? 'http'}://${pr.host}${pr.path ?? '/'} answers`,
          fr: `vérifier que ${pr.scheme ?? 'http'}://${pr.host}${pr.path ?? '/'} répond`,
        },
      })),
      {
        kind: 'record',
        summary: {
          en: `record the site ${v.primary} for ${v.tenant}`,
          fr: `enregistrer le site ${v.primary} au nom de ${v.tenant}`,
        },
      },
    );
    return items;
  },
  async run(ctx, p) {
    // A new site's folder is looked at once, by the script that creates it (each run of
    // one costs a process on the target); a live site's folder is looked at first, so
    // that an undo can never take a folder it serves.
    const v = await validate(ctx, p, { lookAtFolder: false });
    const target = ctx.services.target(v.ws.target);
    const cp: ApplyCheckpoint = { webserver: p.webserver, primary: v.primary };
    // nginx's master opens the logs as root: no site's user (nor nginx's workers) has to read another site's.
    await target.mkdir(v.ws.logDir, { mode: 0o750 });
    const root = v.root;
    const site = await prepareSite(ctx, v, cp, () => ctx.checkpoint(cp), placeholder(v.primary));
    if (root && !v.user && !(v.existing && (await folderOp(() => siteFolderExists(target, v.ws.webRoot, root))))) {
      // Checkpointed before: a crash mid-creation is undone. The undo takes only an
      // unchanged placeholder page and an empty folder, so a folder found already there
      // (forgotten below, but a crash may come first) loses nothing of its owner's.
      cp.createdRoot = root;
      await ctx.checkpoint(cp);
      if (
        await folderOp(() =>
          createSiteFolder(target, v.ws.webRoot, root, {
            mode: 0o755,
            owner: v.ws.siteOwner,
            page: placeholder(v.primary),
          }),
        )
      )
        ctx.log(`created ${root}`);
      else {
        delete cp.createdRoot;
        await ctx.checkpoint(cp);
      }
    }
    const data = newVhostData(v.ws, p.webserver, {
      primary: v.primary,
      aliases: v.aliases,
      root: v.root,
      upstream: v.upstream,
      tls: v.existing?.data.tls ?? false,
      certVersion: v.existing?.data.certVersion,
      user: v.user,
      phpSocket: site.phpSocket,
    });
    const rendered = renderVhost(ctx.services.nginx, data, { tenant: v.tenant });
    const probes = [...rendered.probes, ...site.probes];
    const applied = await safeApplyNginx(ctx.services.nginx, p.webserver, [rendered.file], probes, {
      onPrevious: async (previous) => {
        cp.previous = previous;
        await ctx.checkpoint(cp);
      },
      log: (m) => ctx.log(m),
    });
    ctx.log(`${v.primary} answers on ${p.webserver}${site.phpSocket ? ', PHP too' : ''}`);
    // PHP turned off: nginx no longer passes anything to the pool, which can go.
    if (!v.php && v.user && v.existing?.data.phpSocket)
      await dropPool(ctx, v.ws, v.user, async (previous) => {
        cp.poolRemoved = previous;
        await ctx.checkpoint(cp);
      });
    cp.record = { before: v.existing ?? null };
    await ctx.checkpoint(cp);
    await ctx.services.store.tenants.putResource({
      kind: VHOST_KIND,
      name: v.primary,
      tenantId: v.tenant,
      data: rendered.data as unknown as Record<string, unknown>,
    });
    return {
      primary: v.primary,
      aliases: v.aliases,
      names: [v.primary, ...v.aliases],
      root: v.root,
      upstream: v.upstream,
      file: data.file,
      url: `http://${v.primary}/`,
      updated: !!v.existing,
      user: v.user ?? '',
      php: !!site.phpSocket,
      layout: v.layout,
      batchSize: applied.batchSize,
    };
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as ApplyCheckpoint | undefined;
    if (!cp) return;
    const tenants = ctx.services.store.tenants;
    if (cp.record) {
      if (cp.record.before)
        await tenants.putResource({
          kind: VHOST_KIND,
          name: cp.primary,
          tenantId: cp.record.before.tenantId,
          data: cp.record.before.data as unknown as Record<string, unknown>,
        });
      else await tenants.removeResource(VHOST_KIND, cp.primary);
    }
    if (cp.previous) await restoreFiles(ctx.services.nginx, cp.webserver, cp.previous, (m) => ctx.log(m));
    await undoSite(ctx, ctx.services.nginx.webserver(cp.webserver), cp, placeholder(cp.primary));
    if (cp.createdRoot) {
      // Only the untouched placeholder page and an empty folder go: anything the client put there stays.
      const ws = ctx.services.nginx.webserver(cp.webserver);
      await undoCreateSiteFolder(
        ctx.services.target(ws.target),
        ws.webRoot,
        cp.createdRoot,
        placeholder(cp.primary),
      ).catch((err: unknown) => {
        // The client's own folder changed under the undo: what may stay is serein's page or an empty
        // folder, inside the client's site and served by no site; not a state that needs an admin.
        if (!(err instanceof SymlinkRefused)) throw err;
        ctx.log(`left the new site folder as it is: ${err.message}`);
      });
    }
  },
});
