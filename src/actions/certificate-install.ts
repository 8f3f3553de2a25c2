import { z } from 'zod';
import { installCertificate, recordVhost, verifyServed } from '../certificates/install.js';
import { certificateNotServed } from '../certificates/install-errors.js';
import { openKey } from '../certificates/keys.js';
import { renewAfterFor } from '../certificates/renew.js';
import { assertMachineReady } from '../check/index.js';
import { defineAction } from '../engine/action.js';
import { PLAN_RELOAD_NGINX, PLAN_TEST_NGINX } from '../nginx/messages.js';
import { certPaths, certVersion, VHOST_KIND, type VhostData } from '../nginx/site.js';
import { putBackFiles, rememberPrevious, type RememberedFile } from './certificate-keys.js';
import { certificate, isUnknown, siteFor } from './certificate-lookup.js';

// The last steps of certificate.issue and certificate.renew: install, verify, activate.

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
    const paths = certPaths(ws, name, known ? certVersion(known.certPem) : '‹version›');
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
      // The site's name bounds the search for a previous key to that site's own certificates.
      const site = (await ctx.services.store.certificates.get(p.certificateId))?.name ?? '';
      await putBackFiles(ctx, cp.webserver, cp.previous, site);
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
    if (!served.ok) throw certificateNotServed(`${ws.probeAddress}:${ws.httpsPort}`, cert.serial, served.seen);
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
