import { posix } from 'node:path';
import { getDomain } from 'tldts';
import { z } from 'zod';
import type { WebserverConfig } from '../config/schema.js';
import type { ActionContext, PlanItem } from '../engine/action.js';
import { defineAction } from '../engine/action.js';
import { parseDomain } from '../dns/domain.js';
import { unifiedDiff } from '../diff.js';
import { OperationError } from '../errors.js';
import { safeApplyNginx, type PreviousFile } from '../nginx/apply.js';
import { restoreFiles } from '../nginx/restore.js';
import { PLAN_RELOAD_NGINX, PLAN_TEST_NGINX } from '../nginx/messages.js';
import {
  PROBE_PATH,
  defaultRoot,
  newVhostData,
  renderVhost,
  vhostFilePath,
  VHOST_KIND,
  type VhostData,
} from '../nginx/site.js';
import { unsafeNginxValue } from '../nginx/template.js';
import {
  createSiteFolder,
  removeSiteFolder,
  siteFolderExists,
  SymlinkRefused,
  undoCreateSiteFolder,
} from '../targets/site-folder.js';
import { checkResourceQuota } from '../quotas.js';
import { deleteRefused, folderOp } from './site-folder-refusal.js';
import { clientUpstream } from '../nginx/upstream-policy.js';
import { assertMachineReady } from '../check/index.js';
import { retireSiteCertificate, undoRetire } from './certificate-retire.js';
import { forgetCopy, keepPlan, keepSiteCopy, siteCopyRef, type CopyRef } from './trash-keep.js';

const createParams = z.object({
  webserver: z.string().min(1),
  domain: z.string().min(1),
  /** Absent: a www. alias for a registered domain (example.com), none for a subdomain. */
  aliases: z.array(z.string()).optional(),
  root: z.string().optional(),
  upstream: z.string().optional(),
});
type CreateParams = z.output<typeof createParams>;

const notYours = (name: string) =>
  new OperationError(
    'domain_not_owned',
    {
      en: `"${name}" is not one of your account's domains.`,
      fr: `« ${name} » ne fait pas partie des domaines de votre compte.`,
    },
    {
      en: 'Use a name under a domain registered to your account, or ask your provider to add the domain.',
      fr: 'Utilisez un nom sous un domaine enregistré pour votre compte, ou demandez à votre hébergeur d’ajouter le domaine.',
    },
    undefined,
    403,
  );

const nameTaken = (name: string, detail: string) =>
  new OperationError(
    'vhost_name_taken',
    {
      en: `The name "${name}" is already used by another site on this server.`,
      fr: `Le nom « ${name} » est déjà utilisé par un autre site sur ce serveur.`,
    },
    {
      en: 'Choose another name, or remove it from the other site first. Nothing was changed.',
      fr: "Choisissez un autre nom, ou retirez-le d'abord de l'autre site. Rien n'a été modifié.",
    },
    detail,
    409,
  );

const badPath = (field: string, value: string, why: { en: string; fr: string }, hint: { en: string; fr: string }) =>
  new OperationError(
    'invalid_input',
    { en: `${field} "${value}" ${why.en}`, fr: `${field} « ${value} » ${why.fr}` },
    hint,
    undefined,
    400,
  );

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

interface Validated {
  ws: WebserverConfig;
  primary: string;
  aliases: string[];
  root?: string;
  upstream?: string;
  tenant: string;
  existing?: { tenantId: string; data: VhostData };
}

/**
 * Everything checked before anything changes: names (IDN, syntax), ownership (every name
 * belongs to the tenant, none under another tenant's domain), names not used by any
 * other site, root inside the web root and free of symbolic links, no unmanaged file.
 */
async function validate(
  ctx: ActionContext,
  p: CreateParams,
  o: { lookAtFolder: boolean } = { lookAtFolder: true },
): Promise<Validated> {
  const ws = ctx.services.nginx.webserver(p.webserver);
  const tenants = ctx.services.store.tenants;
  const primary = parseDomain(p.domain, false);
  const registered = getDomain(primary) === primary;
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
      throw new OperationError(
        'domain_unregistered',
        {
          en: `"${primary}" does not belong to any tenant yet.`,
          fr: `« ${primary} » n'appartient encore à aucun client.`,
        },
        // Only admins read this (a client's names are checked above): the command, not the API route.
        {
          en: `Give the domain to its tenant first: serein tenant give <tenant> domain ${getDomain(primary) ?? primary}`,
          fr: `Donnez d'abord le domaine à son client : serein tenant give <client> domain ${getDomain(primary) ?? primary}`,
        },
        undefined,
        400,
      );
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

  if (!existing && ctx.tenantId) await checkResourceQuota(ctx.services, tenant, 'vhosts', VHOST_KIND); // admins are not limited

  if (p.root && p.upstream) {
    throw new OperationError(
      'invalid_input',
      {
        en: 'A site either serves a folder (root) or forwards to an application (upstream), not both.',
        fr: 'Un site sert soit un dossier (root), soit transfère vers une application (upstream), pas les deux.',
      },
      { en: 'Give only one of root and upstream.', fr: "Indiquez seulement l'un de root et upstream." },
      undefined,
      400,
    );
  }
  let root: string | undefined;
  let upstream: string | undefined;
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
    if (o.lookAtFolder) await folderOp(() => siteFolderExists(ctx.services.target(ws.target), ws.webRoot, folder));
  }

  if (!existing && (await ctx.services.target(ws.target).readFile(vhostFilePath(ws, primary))) !== undefined) {
    throw nameTaken(primary, `${vhostFilePath(ws, primary)} exists but serein has no record of it`);
  }
  return { ws, primary, aliases, root, upstream, tenant, existing };
}

/** Preflight of vhost.create: validates the request; changes nothing. */
export const vhostCheck = defineAction({
  name: 'vhost.check',
  params: createParams,
  async plan() {
    return [];
  },
  async run(ctx, p) {
    const v = await validate(ctx, p);
    return {
      primary: v.primary,
      aliases: v.aliases,
      names: [v.primary, ...v.aliases],
      root: v.root,
      upstream: v.upstream,
      tenant: v.tenant,
      update: !!v.existing,
    };
  },
});

interface ApplyCheckpoint {
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
      parts: ['vhosts', 'sites', 'logs', 'nginx', 'reload'],
    });
    const data = newVhostData(v.ws, p.webserver, {
      primary: v.primary,
      aliases: v.aliases,
      root: v.root,
      upstream: v.upstream,
      tls: v.existing?.data.tls ?? false,
    });
    const rendered = renderVhost(ctx.services.nginx, data, { tenant: v.tenant });
    const before = (await ctx.services.target(v.ws.target).readFile(data.file))?.toString('utf8');
    const items: PlanItem[] = [];
    if (v.root)
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
    await target.mkdir(v.ws.logDir, { mode: 0o755 });
    const root = v.root;
    if (root && !(v.existing && (await folderOp(() => siteFolderExists(target, v.ws.webRoot, root))))) {
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
    });
    const rendered = renderVhost(ctx.services.nginx, data, { tenant: v.tenant });
    const applied = await safeApplyNginx(ctx.services.nginx, p.webserver, [rendered.file], rendered.probes, {
      onPrevious: async (previous) => {
        cp.previous = previous;
        await ctx.checkpoint(cp);
      },
      log: (m) => ctx.log(m),
    });
    ctx.log(`${v.primary} answers on ${p.webserver}`);
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
}

/** The site is gone but some of its files are not: said as it is, never "nothing was left half-done". */
const filesPartlyRemoved = (primary: string, detail: string) =>
  new OperationError(
    'site_files_left',
    {
      en: `The site ${primary} was removed, but some of its files could not be deleted.`,
      fr: `Le site ${primary} a été supprimé, mais certains de ses fichiers n'ont pas pu être effacés.`,
    },
    {
      en: 'Your provider has been alerted and will finish the cleanup; there is nothing for you to do.',
      fr: "Votre hébergeur a été prévenu et terminera le nettoyage ; vous n'avez rien à faire.",
    },
    detail,
  );

/** The recorded vhost of this caller, or "not found" (another tenant's vhost does not exist for a client). */
async function ownVhost(ctx: ActionContext, domain: string): Promise<{ tenantId: string; data: VhostData }> {
  const name = parseDomain(domain, false);
  const rec = await ctx.services.store.tenants.getResource(VHOST_KIND, name);
  if (!rec || (ctx.tenantId && rec.tenantId !== ctx.tenantId)) {
    throw new OperationError(
      'not_found',
      { en: `There is no site "${name}" in your account.`, fr: `Il n'y a pas de site « ${name} » dans votre compte.` },
      {
        en: 'Check the name; it is the main name the site was created with.',
        fr: 'Vérifiez le nom ; c’est le nom principal donné à la création du site.',
      },
      undefined,
      404,
    );
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
        const removed = await removeSiteFolder(target, ws.webRoot, data.root).catch(async (err: Error) => {
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
    return { primary: data.primary, removed: true, filesRemoved, root: data.root };
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as RemoveCheckpoint | undefined;
    if (!cp) return;
    // The files have a copy in the trash: a removal cut short is finished, nothing is lost (the client restores from the trash).
    if (cp.filesStarted && cp.kept) {
      const ws = ctx.services.nginx.webserver(cp.webserver);
      await removeSiteFolder(ctx.services.target(ws.target), ws.webRoot, cp.record.data.root!);
      return;
    }
    if (!cp.filesStarted && cp.copy) await forgetCopy(ctx.services, cp.copy);
    // Putting the site back over half-deleted files would serve a broken site: an admin finishes instead.
    if (cp.filesStarted)
      throw new Error(
        `the site ${cp.record.data.primary} is removed but its files in ${cp.record.data.root} may be only partly deleted: finish by hand`,
      );
    if (cp.retired) await undoRetire(ctx, cp.webserver, cp.retired); // the certificate's files back before the site that names them
    if (cp.forgotten) {
      await ctx.services.store.tenants.putResource({
        kind: VHOST_KIND,
        name: cp.record.data.primary,
        tenantId: cp.record.tenantId,
        data: cp.record.data as unknown as Record<string, unknown>,
      });
    }
    if (cp.previous) await restoreFiles(ctx.services.nginx, cp.webserver, cp.previous, (m) => ctx.log(m));
  },
});
