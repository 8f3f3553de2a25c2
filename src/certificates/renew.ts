import type { Services } from '../engine/action.js';
import type { CertificateRecord } from '../store/certificates.js';
import { pickInWindow } from '../acme/ari.js';

/*
 * When certificates are renewed. The renewal itself is the playbook certificate.renew:
 * the same step actions as certificate.issue (src/actions/certificate.ts), run as a job
 * under the engine's compensation, submitted by the schedule in ./maintain.ts.
 */

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
 * Never more than 1/12 of the certificate's lifetime (`lifetimeMs`): a 6-day certificate
 * due at 3 days is tried every 12 hours, about six times before it expires, not thrice.
 */
export function retryDelayMs(
  failures: number,
  retryMinutes: number[],
  random = Math.random,
  lifetimeMs = Infinity,
): number {
  const minutes = Math.min(
    retryMinutes[Math.min(Math.max(failures, 1) - 1, retryMinutes.length - 1)],
    lifetimeMs / 12 / 60_000,
  );
  return Math.round(minutes * 60_000 * (0.9 + 0.2 * random()));
}

/** A certificate's lifetime, as its renewal timing counts it. */
export const lifetimeOf = (cert: { notBefore: string; notAfter: string }): number =>
  new Date(cert.notAfter).getTime() - new Date(cert.notBefore).getTime();

/**
 * Asks the CA for its renewal window (RFC 9773) and stores a random moment inside it
 * as the renewal time. Returns undefined when the CA has no renewalInfo.
 */
export async function refreshRenewalInfo(
  services: Pick<Services, 'config' | 'store' | 'certificates'>,
  cert: CertificateRecord,
  now = new Date(),
): Promise<Date | undefined> {
  const ctx = services.certificates;
  if (!services.config.acme.cas.some((c) => c.name === cert.ca)) return undefined;
  const info = await ctx.accounts.client(cert.ca).renewalInfo(cert.ariCertId);
  if (!info) return undefined;
  const renewAfter = pickInWindow(info.window, now);
  await services.store.certificates.setRenewalInfo(cert.id, {
    window: { start: info.window.start.toISOString(), end: info.window.end.toISOString() },
    renewAfter,
    checkedAt: now,
  });
  return renewAfter;
}
