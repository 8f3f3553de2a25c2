import { z } from 'zod';
import { findVhost, noVhost } from '../certificates/install.js';
import { issueCertificate } from '../certificates/issue.js';
import { issuedRecord } from '../certificates/keys.js';
import { diagnose } from '../certificates/diagnose.js';
import { withPartialOffer } from '../certificates/partial.js';
import { chooseProfile, profileCas } from '../certificates/profiles.js';
import { assertMachineReady } from '../check/index.js';
import { preflightError } from '../dns/report.js';
import { defineAction } from '../engine/action.js';
import { invalidStep } from '../engine/errors.js';
import { certificateActivate, certificateInstall, certificateVerify } from './certificate-install.js';
import { certificate, isUnknown, renewable, siteFor, siteTenant, solverFor } from './certificate-lookup.js';

/** The solver for a challenge, where tests and other operations have always imported it. */
export { solverFor } from './certificate-lookup.js';
export { certificateActivate, certificateInstall, certificateVerify } from './certificate-install.js';

const challenge = z.enum(['http-01', 'dns-01']).default('http-01');
const keyType = z.enum(['ecdsa-p256', 'rsa-2048', 'rsa-4096']).default('ecdsa-p256');

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
    if (!domains?.length) throw invalidStep('certificate.preflight', 'needs domains or renews');
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

/** Certificate actions, registered in src/actions/index.ts. */
export const certificateActions = [
  certificatePreflight,
  certificateOrder,
  certificateInstall,
  certificateVerify,
  certificateActivate,
];
