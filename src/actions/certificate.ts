import { posix } from 'node:path';
import { z } from 'zod';
import { findVhost, installCertificate, noVhost, recordVhost, verifyServed } from '../certificates/install.js';
import { restoreFiles } from '../nginx/restore.js';
import { issueCertificate } from '../certificates/issue.js';
import { issuedRecord, openKey } from '../certificates/keys.js';
import { renewAfterFor } from '../certificates/renew.js';
import { Dns01Solver, HttpSolver, type ChallengeSolver } from '../certificates/solvers.js';
import { diagnose } from '../certificates/diagnose.js';
import { withPartialOffer } from '../certificates/partial.js';
import { chooseProfile, profileCas } from '../certificates/profiles.js';
import { assertMachineReady } from '../check/index.js';
import { preflightError } from '../dns/report.js';
import type { ActionContext, Services } from '../engine/action.js';
import { defineAction } from '../engine/action.js';
import { OperationError } from '../errors.js';
import { can } from '../resources/policy.js';
import { type PreviousFile } from '../nginx/apply.js';
import { findSecret, rememberPrevious, type RememberedFile } from './certificate-keys.js';
import { PLAN_RELOAD_NGINX, PLAN_TEST_NGINX } from '../nginx/messages.js';
import { certPaths, VHOST_KIND, type VhostData } from '../nginx/site.js';
import type { CertificateRecord } from '../store/certificates.js';

const challenge = z.enum(['http-01', 'dns-01']).default('http-01');
const keyType = z.enum(['ecdsa-p256', 'rsa-2048', 'rsa-4096']).default('ecdsa-p256');
/** A value still unknown at planning time (dry run) renders as ‹steps...›. */
const isUnknown = (v: unknown) => typeof v === 'string' && v.startsWith('‹');

/** The solver for a certificate's challenge on a web server. */
export function solverFor(
  services: Services,
  challenge: 'http-01' | 'dns-01',
  webserver: string | null,
  log?: (m: string, d?: Record<string, unknown>) => void,
): ChallengeSolver {
  const ctx = services.certificates;
  if (challenge === 'dns-01') {
    if (!ctx.providers.configured) {
      throw new OperationError(
        'dns_provider_missing',
        {
          en: 'The dns-01 method needs a DNS provider, and none is configured.',
          fr: "La méthode dns-01 demande un fournisseur DNS, et aucun n'est configuré.",
        },
        {
          en: 'Use http-01, or ask your provider to connect the DNS.',
          fr: 'Utilisez http-01, ou demandez à votre hébergeur de connecter le DNS.',
        },
      );
    }
    const dns = services.config.dns;
    return new Dns01Solver(ctx.providers, services.dns, {
      authoritative: dns.authoritative,
      delegationZone: dns.delegationZone,
      extraSuffixes: dns.extraSuffixes,
      timeoutMs: dns.propagationTimeoutSeconds * 1000,
      log,
    });
  }
  // The fleet's answer for a name it does not know: the same words whichever operation asked.
  const ws = services.nginx.webserver(webserver ?? '');
  return new HttpSolver(services.target(ws.target), ws.challengeRoot);
}

/** The site the certificate is for; a client only sees their own. */
async function siteFor(ctx: ActionContext, domains: string[]): Promise<VhostData> {
  const vhost = await findVhost(ctx.services, domains);
  if (!vhost) throw noVhost(domains[0].replace(/^\*\./, ''));
  if (ctx.tenantId) {
    const rec = await ctx.services.store.tenants.getResource(VHOST_KIND, vhost.primary);
    if (rec?.tenantId !== ctx.tenantId) throw noVhost(domains[0].replace(/^\*\./, ''));
  }
  return vhost;
}

/** The tenant a site is recorded for; null for an admin's own site (recorded as 'admin') or none. */
async function siteTenant(ctx: ActionContext, name: string): Promise<string | null> {
  const rec = await ctx.services.store.tenants.getResource(VHOST_KIND, name);
  return rec && rec.tenantId !== 'admin' ? rec.tenantId : null;
}

async function certificate(ctx: ActionContext, id: string): Promise<CertificateRecord> {
  const cert = await ctx.services.store.certificates.get(id);
  if (!cert || (ctx.tenantId && cert.tenantId !== ctx.tenantId)) {
    throw new OperationError(
      'not_found',
      { en: `Certificate ${id} was not found.`, fr: `Le certificat ${id} est introuvable.` },
      { en: 'Check the identifier.', fr: "Vérifiez l'identifiant." },
      undefined,
      404,
    );
  }
  return cert;
}

const noLongerYours = (name: string) =>
  new OperationError(
    'not_your_domain',
    {
      en: `${name} is no longer one of your domains, so this secure connection cannot be renewed as it is.`,
      fr: `${name} ne fait plus partie de vos domaines : cette connexion sécurisée ne peut donc pas être renouvelée telle quelle.`,
    },
    {
      en: 'Secure your site again with the names that are still yours; ask your provider if the name should be yours.',
      fr: 'Sécurisez à nouveau votre site avec les noms qui sont toujours à vous ; demandez à votre hébergeur si ce nom devrait être le vôtre.',
    },
    `certificate names ${name}, which the tenant no longer owns`,
    403,
  );

/** The certificate a renewal replaces: the active one of that site (the site's lock is the job's). */
async function renewable(ctx: ActionContext, id: string, site: string | undefined): Promise<CertificateRecord> {
  const cert = await ctx.services.store.certificates.get(id);
  if (!cert || (ctx.tenantId && cert.tenantId !== ctx.tenantId) || (site !== undefined && cert.name !== site)) {
    throw new OperationError(
      'not_found',
      {
        en: `Certificate ${id} of ${site ?? 'this site'} was not found.`,
        fr: `Le certificat ${id} de ${site ?? 'ce site'} est introuvable.`,
      },
      { en: 'Check the identifier and the site.', fr: "Vérifiez l'identifiant et le site." },
      undefined,
      404,
    );
  }
  // Renewed for a tenant (by itself or the schedule acting for it): every name must still be the tenant's.
  for (const name of ctx.tenantId ? cert.domains : []) {
    if (
      !(await can(ctx.services.store.tenants, { kind: 'client', tenantId: ctx.tenantId }, 'use', {
        inputType: 'domain',
        name,
      }))
    )
      throw noLongerYours(name);
  }
  if (cert.status !== 'active') {
    throw new OperationError(
      'certificate_not_active',
      {
        en: `Certificate ${cert.id} is ${cert.status}, not active: there is nothing to renew.`,
        fr: `Le certificat ${cert.id} est ${cert.status}, pas actif : il n'y a rien à renouveler.`,
      },
      { en: 'Renew the active certificate of the site.', fr: 'Renouvelez le certificat actif du site.' },
      undefined,
      409,
    );
  }
  return cert;
}

const preflightParams = z.object({
  domains: z.array(z.string()).min(1).max(100).optional(),
  challenge: z.enum(['http-01', 'dns-01']).optional(),
  webserver: z.string().optional(),
  /** certificate.renew: the active certificate renewed; its names, challenge, key type and web server are the defaults. */
  renews: z.string().min(1).optional(),
  /** With `renews`: the site the job locks, which must be that certificate's. */
  site: z.string().min(1).optional(),
  /** certificate.issue: the CA profile asked for (src/certificates/profiles.ts). */
  profile: z.string().min(1).optional(),
});

/**
 * Preflight of certificate.issue and certificate.renew: finds the site (for a renewal,
 * from the certificate it renews, which must be the site's active one), then runs every
 * DNS, CAA, address and reachability check before anything is asked of the CA. Problems
 * fail the job with the explanation and the fix; warnings go to the job log.
 */
export const certificatePreflight = defineAction({
  name: 'certificate.preflight',
  params: preflightParams,
  async plan() {
    return [];
  },
  async run(ctx, p) {
    const renewed = p.renews ? await renewable(ctx, p.renews, p.site) : undefined;
    const domains = p.domains ?? renewed?.domains;
    if (!domains?.length) {
      throw new OperationError(
        'invalid_step',
        { en: 'This operation is misconfigured on our side.', fr: 'Cette opération est mal configurée de notre côté.' },
        { en: 'Your provider has been told what to fix.', fr: 'Votre hébergeur sait quoi corriger.' },
        'certificate.preflight needs domains or renews',
      );
    }
    const challenge = p.challenge ?? renewed?.challenge ?? 'http-01';
    const vhost = await siteFor(ctx, renewed ? [renewed.name, ...domains] : domains);
    const webserver = p.webserver ?? renewed?.webserver ?? vhost.webserver;
    if (vhost.webserver !== webserver) throw noVhost(vhost.primary);
    ctx.services.nginx.webserver(webserver);
    // The profile first: a kind of certificate nobody offers is refused before the DNS is even asked.
    const kept = renewed
      ? renewed.profile
      : (await ctx.services.store.certificates.active(webserver, vhost.primary))?.profile;
    const choice = await chooseProfile(ctx.services, {
      asked: p.profile,
      kept,
      client: ctx.tenantId !== null,
      cas: ctx.services.config.acme.cas.map((c) => c.name),
    });
    const d = await diagnose(ctx.services, { domains, challenge, webserver });
    for (const c of d.checks.filter((c) => c.status !== 'ok'))
      ctx.log(`${c.status}: ${c.message[ctx.language]}${c.fix ? ` → ${c.fix[ctx.language]}` : ''}`, {
        check: c.id,
        domain: c.domain,
      });
    ctx.log(`preflight: ${d.checks.length} checks in ${d.tookMs} ms`);
    if (!d.ok) throw withPartialOffer(preflightError(d), d, { site: vhost.primary, renewing: renewed });
    const { profile, cas, notes } = profileCas(choice, d.cas, p.profile);
    for (const n of notes) ctx.log(`warning: ${n}`);
    ctx.reached('preflight-done');
    return {
      webserver,
      site: vhost.primary,
      domains: d.domains,
      cas,
      ...(profile ? { profile } : {}),
      warnings: d.checks.filter((c) => c.status === 'warning').length,
      challenge,
      // A renewal orders the same kind of certificate, replacing the one it renews.
      ...(renewed ? { keyType: renewed.keyType, renews: renewed.id } : {}),
    };
  },
});

const orderParams = z.object({
  domains: z.array(z.string()).min(1).max(100),
  challenge,
  keyType,
  webserver: z.string().min(1),
  cas: z.array(z.string()).optional(),
  /** certificate.renew: the certificate this one replaces (named to its CA as `replaces` when that CA has ARI). */
  replaces: z.string().min(1).optional(),
  /** The site's CA profile, settled by the preflight; recorded so that renewals order it again. */
  profile: z.string().min(1).optional(),
});

interface OrderCheckpoint {
  name: string;
  serial: string;
  certificateId?: string;
}

/**
 * Orders the certificate (the CAs in order, fast polling; for a renewal, with `replaces`
 * naming the old one) and keeps it, with its key, as pending in the store. Undo marks it
 * abandoned: an issued certificate cannot be un-issued. The serial is checkpointed before
 * the record is written, so a daemon killed in between leaves no pending record behind.
 */
export const certificateOrder = defineAction({
  name: 'certificate.order',
  params: orderParams,
  async plan(ctx, p) {
    const cas = p.cas && !isUnknown(p.cas) ? p.cas : ctx.services.config.acme.cas.map((c) => c.name);
    await assertMachineReady(ctx.services, { cas }); // no CA directory answers: the order could not be placed
    const names = p.domains.join(', ');
    const replacing =
      p.replaces && !isUnknown(p.replaces) ? await ctx.services.store.certificates.get(p.replaces) : undefined;
    return [
      {
        kind: 'request',
        summary: {
          en: `order a ${p.keyType} certificate for ${names} from ${cas.join(', then ') || '(no certificate authority configured)'} with ${p.challenge}${replacing ? `, replacing the certificate ${replacing.serial}` : ''}`,
          fr: `commander un certificat ${p.keyType} pour ${names} auprès de ${cas.join(', puis ') || '(aucune autorité de certification configurée)'} avec ${p.challenge}${replacing ? `, en remplacement du certificat ${replacing.serial}` : ''}`,
        },
      },
    ];
  },
  async run(ctx, p) {
    const store = ctx.services.store.certificates;
    const renewing = p.replaces ? await certificate(ctx, p.replaces) : undefined;
    const cc = ctx.services.certificates;
    for (const secret of cc.providers.secrets) ctx.secrets.add(secret); // a DNS host's error must not print its key
    const issued = await issueCertificate(
      { config: ctx.services.config, accounts: cc.accounts, pool: cc.pool, certificates: store },
      {
        domains: p.domains,
        keyType: p.keyType,
        solver: solverFor(ctx.services, p.challenge, p.webserver, (m, d) => ctx.log(m, d)),
        cas: p.cas?.length ? p.cas : undefined,
        profile: p.profile,
        replaces: renewing ? { ca: renewing.ca, certId: renewing.ariCertId } : undefined,
        signal: ctx.signal,
        log: (m, d) => ctx.log(m, d),
      },
    );
    ctx.secrets.add(issued.keyPem);
    const vhost = renewing ? undefined : await findVhost(ctx.services, p.domains);
    const name = renewing?.name ?? vhost?.primary ?? p.domains[0].replace(/^\*\./, '');
    const previous = renewing ?? (await store.active(p.webserver, name));
    const cp: OrderCheckpoint = { name, serial: issued.serial };
    await ctx.checkpoint(cp);
    ctx.reached('order-issued');
    const rec = await store.addPending({
      // A renewal keeps the certificate's tenant, whoever runs it (the schedule is an admin);
      // an admin's certificate on a client's site is the client's, like the site.
      tenantId: renewing ? renewing.tenantId : (ctx.tenantId ?? (await siteTenant(ctx, name))),
      webserver: p.webserver,
      name,
      domains: p.domains,
      challenge: p.challenge,
      keyType: p.keyType,
      ...issuedRecord(ctx.services, issued),
      replacesId: previous?.id ?? null,
      profile: p.profile ?? null,
    });
    ctx.reached('order-pending');
    await ctx.checkpoint({ ...cp, certificateId: rec.id });
    ctx.log(
      `certificate ${issued.serial} issued by ${issued.ca} in ${issued.timings.total} ms${renewing ? `, replacing ${renewing.serial}` : ''}`,
      { timings: issued.timings },
    );
    ctx.reached('order-done');
    return {
      certificateId: rec.id,
      serial: issued.serial,
      ca: issued.ca,
      notAfter: rec.notAfter,
      names: p.domains,
      ms: issued.timings.total,
    };
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as Partial<OrderCheckpoint> | undefined;
    const store = ctx.services.store.certificates;
    if (cp?.certificateId) await store.abandon(cp.certificateId);
    else if (cp?.serial && cp.name) {
      // Killed between the record and its checkpoint: the pending record is found by its serial.
      for (const c of await store.list({ name: cp.name, status: 'pending' }))
        if (c.serial === cp.serial) await store.abandon(c.id);
    }
  },
});

const installParams = z.object({ certificateId: z.string().min(1), webserver: z.string().min(1) });

interface InstallCheckpoint {
  webserver: string;
  previous?: RememberedFile[];
  vhostBefore?: { tenantId: string; data: VhostData } | null;
}

/**
 * Installs the certificate on its site: key (0600) and full chain, the vhost's HTTPS
 * block, nginx -t, reload, probes, and a TLS handshake presenting the new certificate;
 * otherwise (or on undo) the previous files go back and the previous certificate is served.
 */
export const certificateInstall = defineAction({
  name: 'certificate.install',
  params: installParams,
  async plan(ctx, p) {
    const ws = ctx.services.nginx.webserver(p.webserver);
    await assertMachineReady(ctx.services, { webserver: p.webserver, parts: ['certs', 'vhosts', 'nginx', 'reload'] });
    const known = !isUnknown(p.certificateId) ? await ctx.services.store.certificates.get(p.certificateId) : undefined;
    const name = known?.name ?? '‹site›';
    const paths = certPaths(ws, name);
    return [
      {
        kind: 'file',
        target: ws.target,
        summary: { en: `write the key ${paths.privkey} (mode 0600)`, fr: `écrire la clé ${paths.privkey} (mode 0600)` },
      },
      {
        kind: 'file',
        target: ws.target,
        summary: {
          en: `write the certificate chain ${paths.fullchain}`,
          fr: `écrire la chaîne du certificat ${paths.fullchain}`,
        },
      },
      {
        kind: 'file',
        target: ws.target,
        summary: { en: "add HTTPS to the site's configuration", fr: 'ajouter le HTTPS à la configuration du site' },
      },
      { kind: 'program', target: ws.target, summary: PLAN_TEST_NGINX, argv: [...ws.nginx, '-t'] },
      {
        kind: 'program',
        target: ws.target,
        summary: PLAN_RELOAD_NGINX,
        argv: ws.reload ?? [...ws.nginx, '-s', 'reload'],
      },
      {
        kind: 'request',
        summary: {
          en: `TLS handshake on ${ws.probeAddress}:${ws.httpsPort} must present the new certificate`,
          fr: `la connexion sécurisée (TLS) sur ${ws.probeAddress}:${ws.httpsPort} doit présenter le nouveau certificat`,
        },
      },
    ];
  },
  async run(ctx, p) {
    const cert = await certificate(ctx, p.certificateId);
    const keyPem = ctx.secrets.add(openKey(ctx.services, cert.keyPem));
    const vhost = await siteFor(ctx, [cert.name, ...cert.domains]);
    const before = await ctx.services.store.tenants.getResource(VHOST_KIND, vhost.primary);
    const cp: InstallCheckpoint = {
      webserver: p.webserver,
      vhostBefore: before ? { tenantId: before.tenantId, data: before.data as unknown as VhostData } : null,
    };
    const installed = await installCertificate(ctx.services, {
      webserver: p.webserver,
      vhost,
      domains: cert.domains,
      fullChainPem: cert.certPem,
      keyPem,
      serial: cert.serial,
      onPrevious: async (previous) => {
        // The previous key never goes into the job record: only its hash and its certificate's id, to find it again.
        cp.previous = await rememberPrevious(ctx, p.webserver, cert.name, previous);
        await ctx.checkpoint(cp);
        ctx.reached('install-started');
      },
      onApplied: () => ctx.reached('install-reloaded'),
      log: (m) => ctx.log(m),
    });
    ctx.reached('install-served');
    await recordVhost(ctx.services, installed.vhost);
    ctx.log(`the new certificate is served for ${installed.names.join(', ')}`);
    ctx.reached('install-done');
    return { site: vhost.primary, names: installed.names, url: `https://${vhost.primary}/` };
  },
  async compensate(ctx, p, checkpoint) {
    const cp = checkpoint as InstallCheckpoint | undefined;
    if (!cp) return;
    if (cp.previous) {
      const ws = ctx.services.nginx.webserver(cp.webserver);
      const target = ctx.services.target(ws.target);
      const files: PreviousFile[] = [];
      // The site's name bounds the fallback search to that site's own certificates.
      const site = (await ctx.services.store.certificates.get(p.certificateId))?.name ?? '';
      for (const f of cp.previous)
        files.push(
          f.secretSha256
            ? {
                path: f.path,
                mode: f.mode,
                content: await findSecret(ctx, { ...f, secretSha256: f.secretSha256 }, site),
              }
            : f,
        );
      await restoreFiles(ctx.services.nginx, cp.webserver, files, (m) => ctx.log(m));
      // A daemon killed while writing the key or chain leaves that write's temporary file (perhaps a key) in the site's
      // certificate folder; every job writing there holds the site's lock, so any one found now is a dead write's.
      if (site)
        await target.run(
          [
            'find',
            posix.dirname(certPaths(ws, site).privkey),
            '-maxdepth',
            '1',
            '-type',
            'f',
            '-name',
            '.serein-*.tmp',
            '-delete',
          ],
          { timeoutMs: 15_000 },
        );
    }
    if (cp.vhostBefore)
      await ctx.services.store.tenants.putResource({
        kind: VHOST_KIND,
        name: cp.vhostBefore.data.primary,
        tenantId: cp.vhostBefore.tenantId,
        data: cp.vhostBefore.data as unknown as Record<string, unknown>,
      });
  },
});

const certParams = z.object({ certificateId: z.string().min(1) });

/** The last proof before the job succeeds: every covered name presents the new certificate. */
export const certificateVerify = defineAction({
  name: 'certificate.verify',
  params: installParams,
  async plan(_ctx, p) {
    return [
      {
        kind: 'request',
        summary: {
          en: `check that ${p.webserver} presents the new certificate`,
          fr: `vérifier que ${p.webserver} présente le nouveau certificat`,
        },
      },
    ];
  },
  async run(ctx, p) {
    const cert = await certificate(ctx, p.certificateId);
    const ws = ctx.services.nginx.webserver(p.webserver);
    const vhost = await siteFor(ctx, [cert.name, ...cert.domains]);
    const names = [vhost.primary, ...vhost.aliases].filter(
      (n) => cert.domains.includes(n) || cert.domains.some((d) => d.startsWith('*.') && n.endsWith(d.slice(1))),
    );
    const served = await verifyServed(ws, names.length ? names : [vhost.primary], cert.serial);
    if (!served.ok) {
      throw new OperationError(
        'certificate_not_served',
        {
          en: 'The web server does not present the new certificate.',
          fr: 'Le serveur web ne présente pas le nouveau certificat.',
        },
        {
          en: 'The change was undone; your provider has the details.',
          fr: 'La modification a été annulée ; votre hébergeur a les détails.',
        },
        `expected serial ${cert.serial}, saw ${JSON.stringify(served.seen)}`,
      );
    }
    ctx.reached('verify-done');
    return { served: served.seen };
  },
});

/**
 * Records the certificate as the one served for its site (the previous one becomes
 * history) and schedules its renewal. The last step, once everything else passed.
 */
export const certificateActivate = defineAction({
  name: 'certificate.activate',
  params: certParams,
  async plan() {
    return [
      {
        kind: 'record',
        summary: {
          en: 'record the certificate and schedule its renewal',
          fr: 'enregistrer le certificat et programmer son renouvellement',
        },
      },
    ];
  },
  async run(ctx, p) {
    const cert = await certificate(ctx, p.certificateId);
    const store = ctx.services.store.certificates;
    const previous = await store.active(cert.webserver, cert.name);
    await ctx.checkpoint({ certificateId: cert.id, previousId: previous?.id ?? null });
    ctx.reached('activate-start');
    const renewAfter = renewAfterFor(
      new Date(cert.notBefore),
      new Date(cert.notAfter),
      ctx.services.config.renewal.jitterMinutes,
    );
    await store.activate(cert.id, renewAfter);
    ctx.reached('activate-done');
    return { certificateId: cert.id, renewAfter: renewAfter.toISOString() };
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as { certificateId: string; previousId: string | null } | undefined;
    if (!cp) return;
    const store = ctx.services.store.certificates;
    await store.setStatus(cp.certificateId, 'abandoned');
    if (cp.previousId) await store.setStatus(cp.previousId, 'active');
  },
});

/** Certificate actions, registered in src/actions/index.ts. */
export const certificateActions = [
  certificatePreflight,
  certificateOrder,
  certificateInstall,
  certificateVerify,
  certificateActivate,
];
