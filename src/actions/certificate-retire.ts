import { z } from 'zod';
import { installCertificate, recordVhost } from '../certificates/install.js';
import { openKey } from '../certificates/keys.js';
import { renewAfterFor } from '../certificates/renew.js';
import type { ActionContext } from '../engine/action.js';
import { defineAction } from '../engine/action.js';
import { toOperationError } from '../errors.js';
import { certPaths, certVersion, VHOST_KIND, type VhostData } from '../nginx/site.js';
import type { CertificateRecord } from '../store/certificates.js';
import { putBackFiles, rememberPrevious, type RememberedFile } from './certificate-keys.js';

/**
 * A deleted site's certificate is retired: the store says so (no renewal), and its folder
 * goes with its key and chain. Called by vhost.remove once nginx no longer names the files;
 * `save` checkpoints the certificate's id before anything changes. Returns that id, if any.
 */
export async function retireSiteCertificate(
  ctx: ActionContext,
  site: VhostData,
  save: (certificateId: string) => Promise<void>,
): Promise<string | undefined> {
  const store = ctx.services.store.certificates;
  const ws = ctx.services.nginx.webserver(site.webserver);
  const cert = await store.active(site.webserver, site.primary);
  if (cert) {
    await save(cert.id);
    await store.setStatus(cert.id, 'retired');
  }
  // Whatever the folder holds (a leftover of an undone install too) goes: no key outlives its site. Kept only
  // when an HTTPS site has no active certificate to write it back from, should the deletion be undone.
  if (cert || !site.tls)
    await ctx.services.target(ws.target).remove(certPaths(ws, site.primary).dir, { recursive: true });
  if (cert) ctx.log(`certificate ${cert.serial} retired: it is not renewed, and its files are removed`);
  return cert?.id;
}

/**
 * Undoes retireSiteCertificate: the files written again from the store where the deleted
 * site's configuration reads them (`site`: its record; without it, the pair's versioned
 * names), the certificate active again. Written before the configuration comes back, so
 * nothing names the pair while its two files are written.
 */
export async function undoRetire(
  ctx: ActionContext,
  webserver: string,
  certificateId: string,
  site?: VhostData,
): Promise<void> {
  const store = ctx.services.store.certificates;
  const cert = await store.get(certificateId);
  if (!cert) return;
  const ws = ctx.services.nginx.webserver(webserver);
  const target = ctx.services.target(ws.target);
  const paths = certPaths(ws, cert.name, site ? site.certVersion : certVersion(cert.certPem));
  await target.mkdir(paths.dir, { mode: 0o700 });
  await target.writeFile(paths.privkey, ctx.secrets.add(openKey(ctx.services, cert.keyPem)), { mode: 0o600 });
  await target.writeFile(paths.fullchain, cert.certPem, { mode: 0o644 });
  if (cert.status === 'retired') await store.setStatus(cert.id, 'active');
}

/** Certificates of the site's tenant that may secure it again, best first: an active one left unserved (a site deleted before retiring existed), then the newest retired one. */
async function reusable(
  ctx: ActionContext,
  webserver: string,
  site: VhostData,
  tenantId: string,
): Promise<CertificateRecord | undefined> {
  const store = ctx.services.store.certificates;
  const owner = tenantId === 'admin' ? null : tenantId;
  const soon = Date.now() + 3_600_000; // still valid for an hour at least: the schedule renews it from there
  const covers = (c: CertificateRecord) =>
    c.domains.some(
      (d) =>
        d === site.primary ||
        (d.startsWith('*.') &&
          site.primary.endsWith(d.slice(1)) &&
          site.primary.split('.').length === d.split('.').length),
    );
  const fits = (c: CertificateRecord | undefined) =>
    !!c && c.webserver === webserver && c.tenantId === owner && new Date(c.notAfter).getTime() > soon && covers(c);
  const active = await store.active(webserver, site.primary);
  if (fits(active)) return active;
  return (await store.list({ name: site.primary, status: 'retired', limit: 20 })).find(fits);
}

interface ReuseCheckpoint {
  webserver: string;
  certificateId: string;
  statusBefore: CertificateRecord['status'];
  previous?: RememberedFile[];
  vhostBefore?: { tenantId: string; data: VhostData };
}

/**
 * vhost.create's last step: a site created again under a name whose certificate its
 * tenant still holds (retired with the deleted site, and still valid) is secured with it
 * again: installed, served (TLS handshake), active and renewed as before. A certificate
 * that cannot be served leaves the site as created, on HTTP, and the certificate retired:
 * never an HTTP-only site while the store says a certificate is active.
 */
export const certificateReuse = defineAction({
  name: 'certificate.reuse',
  params: z.object({ webserver: z.string().min(1), domain: z.string().min(1) }),
  async plan() {
    return [
      {
        kind: 'note',
        summary: {
          en: 'secure the site again with its certificate, if it still has a valid one',
          fr: "sécuriser à nouveau le site avec son certificat, s'il en a encore un valide",
        },
      },
    ];
  },
  async run(ctx, p) {
    const rec = await ctx.services.store.tenants.getResource(VHOST_KIND, p.domain);
    if (!rec) return { https: false };
    const site = rec.data as unknown as VhostData;
    if (site.tls) return { https: true };
    const cert = await reusable(ctx, p.webserver, site, rec.tenantId);
    if (!cert) {
      // An active certificate that cannot serve it (expired, another tenant's, other names): retired, so the store tells the truth.
      const stale = await ctx.services.store.certificates.active(p.webserver, site.primary);
      if (stale) await ctx.services.store.certificates.setStatus(stale.id, 'retired');
      return { https: false };
    }
    const cp: ReuseCheckpoint = {
      webserver: p.webserver,
      certificateId: cert.id,
      statusBefore: cert.status,
      vhostBefore: { tenantId: rec.tenantId, data: site },
    };
    await ctx.checkpoint(cp);
    try {
      const installed = await installCertificate(ctx.services, {
        webserver: p.webserver,
        vhost: site,
        domains: cert.domains,
        fullChainPem: cert.certPem,
        keyPem: ctx.secrets.add(openKey(ctx.services, cert.keyPem)),
        serial: cert.serial,
        onPrevious: async (previous) => {
          cp.previous = await rememberPrevious(ctx, p.webserver, site.primary, previous);
          await ctx.checkpoint(cp);
        },
        log: (m) => ctx.log(m),
      });
      await recordVhost(ctx.services, installed.vhost);
    } catch (err) {
      // installCertificate put the site back as it was: it stays on HTTP, the certificate retired.
      ctx.log(
        `the previous certificate could not be served again (${toOperationError(err).detail ?? toOperationError(err).message}); the site stays on HTTP`,
      );
      delete cp.previous;
      await ctx.checkpoint(cp);
      return { https: false };
    }
    const renewAfter = renewAfterFor(
      new Date(cert.notBefore),
      new Date(cert.notAfter),
      ctx.services.config.renewal.jitterMinutes,
    );
    await ctx.services.store.certificates.activate(cert.id, renewAfter);
    ctx.log(`secured again with certificate ${cert.serial}, valid until ${cert.notAfter}`);
    return { https: true, certificate: cert.id, url: `https://${site.primary}/` };
  },
  async compensate(ctx, _p, checkpoint) {
    const cp = checkpoint as ReuseCheckpoint | undefined;
    if (!cp) return;
    const store = ctx.services.store.certificates;
    if ((await store.get(cp.certificateId))?.status !== cp.statusBefore)
      await store.setStatus(cp.certificateId, cp.statusBefore);
    if (cp.previous) await putBackFiles(ctx, cp.webserver, cp.previous, cp.vhostBefore?.data.primary ?? '');
    if (cp.vhostBefore)
      await ctx.services.store.tenants.putResource({
        kind: VHOST_KIND,
        name: cp.vhostBefore.data.primary,
        tenantId: cp.vhostBefore.tenantId,
        data: cp.vhostBefore.data as unknown as Record<string, unknown>,
      });
  },
});
