import type { Services } from '../engine/action.js';
import { diagnose } from './diagnose.js';
import { preflightError } from '../dns/report.js';
import { OperationError } from '../errors.js';
import type { CertificateRecord } from '../store/certificates.js';
import { pickInWindow } from '../acme/ari.js';
import { certificateContext } from './context.js';
import { findVhost, installCertificate, noVhost, recordVhost } from './install.js';
import { issueCertificate } from './issue.js';
import { issuedRecord } from './keys.js';
import { CloudflareSolver, HttpSolver, type ChallengeSolver } from './solvers.js';

const DAY = 86_400_000;

/**
 * When a certificate without ARI is due: once 1/3 of its lifetime is left (1/2 for
 * lifetimes under 10 days, as Let's Encrypt advises), made a little earlier by a random
 * jitter (at most `jitterMinutes`, and 2 % of the lifetime) so renewals do not bunch up.
 */
export function renewAfterFor(notBefore: Date, notAfter: Date, jitterMinutes: number, random = Math.random): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const left = lifetime < 10 * DAY ? lifetime / 2 : lifetime / 3;
  const jitter = random() * Math.min(jitterMinutes * 60_000, lifetime * 0.02);
  return new Date(notAfter.getTime() - left - jitter);
}

/**
 * How long to wait after the n-th failed renewal in a row: 1 min, 10 min, 100 min, then
 * daily (renewal.retryMinutes), ±10 % so that retries of many certificates spread out.
 */
export function retryDelayMs(failures: number, retryMinutes: number[], random = Math.random): number {
  const minutes = retryMinutes[Math.min(Math.max(failures, 1) - 1, retryMinutes.length - 1)];
  return Math.round(minutes * 60_000 * (0.9 + 0.2 * random()));
}

/** The solver for a certificate's challenge on a web server. */
export function solverFor(services: Services, challenge: 'http-01' | 'dns-01', webserver: string | null, log?: (m: string, d?: Record<string, unknown>) => void): ChallengeSolver {
  const ctx = certificateContext(services);
  if (challenge === 'dns-01') {
    if (!ctx.cloudflare) {
      throw new OperationError(
        'dns_provider_missing',
        { en: 'The dns-01 method needs a DNS provider, and none is configured.', fr: "La méthode dns-01 demande un fournisseur DNS, et aucun n'est configuré." },
        { en: 'Use http-01, or ask your provider to connect the DNS (Cloudflare).', fr: 'Utilisez http-01, ou demandez à votre hébergeur de connecter le DNS (Cloudflare).' },
      );
    }
    return new CloudflareSolver(ctx.cloudflare, ctx.dns, { authoritative: services.config.dns.authoritative, timeoutMs: services.config.dns.propagationTimeoutSeconds * 1000, log });
  }
  const ws = webserver ? services.config.webservers[webserver] : undefined;
  if (!ws) throw new OperationError('unknown_webserver', { en: `The web server "${webserver}" is not configured.`, fr: `Le serveur web « ${webserver} » n'est pas configuré.` }, { en: 'Check the web server name.', fr: 'Vérifiez le nom du serveur web.' }, undefined, 400);
  return new HttpSolver(services.target(ws.target), ws.challengeRoot);
}

/**
 * Asks the CA for its renewal window (RFC 9773) and stores a random moment inside it
 * as the renewal time. Returns undefined when the CA has no renewalInfo.
 */
export async function refreshRenewalInfo(services: Services, cert: CertificateRecord, now = new Date()): Promise<Date | undefined> {
  const ctx = certificateContext(services);
  if (!services.config.acme.cas.some((c) => c.name === cert.ca)) return undefined;
  const info = await ctx.accounts.client(cert.ca).renewalInfo(cert.ariCertId);
  if (!info) return undefined;
  const renewAfter = pickInWindow(info.window, now);
  await services.store.certificates.setRenewalInfo(cert.id, { window: { start: info.window.start.toISOString(), end: info.window.end.toISOString() }, renewAfter, checkedAt: now });
  return renewAfter;
}

/**
 * Renews one certificate the same way it was issued: preflight first (a client's DNS
 * mistake must not burn the CA budget), an order carrying `replaces` when the CA has
 * ARI, the safe install with a TLS handshake proof, then the new one becomes active.
 */
export async function renewCertificate(services: Services, cert: CertificateRecord, opts: { log?: (m: string, d?: Record<string, unknown>) => void; signal?: AbortSignal } = {}): Promise<CertificateRecord> {
  const ctx = certificateContext(services);
  const store = services.store.certificates;
  const diag = await diagnose(services, { domains: cert.domains, challenge: cert.challenge, webserver: cert.webserver ?? undefined });
  if (!diag.ok) throw preflightError(diag);
  const issued = await issueCertificate(
    { config: services.config, accounts: ctx.accounts, pool: ctx.pool, certificates: store },
    {
      domains: cert.domains,
      keyType: cert.keyType as 'ecdsa-p256',
      solver: solverFor(services, cert.challenge, cert.webserver, opts.log),
      cas: diag.cas,
      replaces: { ca: cert.ca, certId: cert.ariCertId },
      signal: opts.signal,
      log: opts.log,
    },
  );
  const pending = await store.addPending({
    tenantId: cert.tenantId,
    webserver: cert.webserver,
    name: cert.name,
    domains: cert.domains,
    challenge: cert.challenge,
    keyType: cert.keyType,
    ...issuedRecord(services, issued),
    replacesId: cert.id,
  });
  try {
    if (cert.webserver) {
      const vhost = await findVhost(services, [cert.name, ...cert.domains]);
      if (!vhost) throw noVhost(cert.name);
      const installed = await installCertificate(services, {
        webserver: cert.webserver,
        vhost,
        domains: cert.domains,
        fullChainPem: issued.fullChainPem,
        keyPem: issued.keyPem,
        serial: issued.serial,
        log: (m) => opts.log?.(m),
      });
      await recordVhost(services, installed.vhost);
    }
    await store.activate(pending.id, renewAfterFor(issued.notBefore, issued.notAfter, services.config.renewal.jitterMinutes));
  } catch (err) {
    await store.abandon(pending.id);
    throw err;
  }
  return (await store.get(pending.id))!;
}
