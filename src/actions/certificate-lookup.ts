import type { ActionContext, Services } from '../engine/action.js';
import { findVhost, noVhost } from '../certificates/install.js';
import { Dns01Solver, HttpSolver, type ChallengeSolver } from '../certificates/solvers.js';
import { VHOST_KIND, type VhostData } from '../nginx/site.js';
import { can } from '../resources/policy.js';
import type { CertificateRecord } from '../store/certificates.js';
import { dnsProviderMissing } from '../certificates/errors.js';
import { certificateNotActive, certificateNotFound, noLongerYours } from './certificate-errors.js';

// What the certificate operations look up before they act: the solver, the site, the certificate.

/** A value still unknown at planning time (dry run) renders as ‹steps...›. */
export const isUnknown = (v: unknown) => typeof v === 'string' && v.startsWith('‹');

/** The solver for a certificate's challenge on a web server. */
export function solverFor(
  services: Services,
  challenge: 'http-01' | 'dns-01',
  webserver: string | null,
  log?: (m: string, d?: Record<string, unknown>) => void,
): ChallengeSolver {
  const ctx = services.certificates;
  if (challenge === 'dns-01') {
    if (!ctx.providers.configured) throw dnsProviderMissing();
    const dns = services.config.dns;
    return new Dns01Solver(ctx.providers, services.dns, {
      authoritative: dns.authoritative,
      nameserverPort: dns.nameserverPort,
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
export async function siteFor(ctx: ActionContext, domains: string[]): Promise<VhostData> {
  const vhost = await findVhost(ctx.services, domains);
  if (!vhost) throw noVhost(domains[0].replace(/^\*\./, ''));
  if (ctx.tenantId) {
    const rec = await ctx.services.store.tenants.getResource(VHOST_KIND, vhost.primary);
    if (rec?.tenantId !== ctx.tenantId) throw noVhost(domains[0].replace(/^\*\./, ''));
  }
  return vhost;
}

/** The tenant a site is recorded for; null for an admin's own site (recorded as 'admin') or none. */
export async function siteTenant(ctx: ActionContext, name: string): Promise<string | null> {
  const rec = await ctx.services.store.tenants.getResource(VHOST_KIND, name);
  return rec && rec.tenantId !== 'admin' ? rec.tenantId : null;
}

/** A certificate by id, the caller's own. */
export async function certificate(ctx: ActionContext, id: string): Promise<CertificateRecord> {
  const cert = await ctx.services.store.certificates.get(id);
  if (!cert || (ctx.tenantId && cert.tenantId !== ctx.tenantId)) throw certificateNotFound(id);
  return cert;
}

/** The certificate a renewal replaces: the active one of that site (the site's lock is the job's). */
export async function renewable(ctx: ActionContext, id: string, site: string | undefined): Promise<CertificateRecord> {
  const cert = await ctx.services.store.certificates.get(id);
  if (!cert || (ctx.tenantId && cert.tenantId !== ctx.tenantId) || (site !== undefined && cert.name !== site))
    throw certificateNotFound(id, site ?? null);
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
  if (cert.status !== 'active') throw certificateNotActive(cert.id, cert.status);
  return cert;
}
