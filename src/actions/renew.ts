import { z } from 'zod';
import { renewCertificate } from '../certificates/renew.js';
import { defineAction } from '../engine/action.js';
import { OperationError } from '../errors.js';

const params = z.object({ certificate: z.string().min(1), site: z.string().min(1) });

/**
 * Renews one certificate (the playbook certificate.renew, submitted by the renewal
 * schedule): preflight, order with `replaces`, safe install with a TLS handshake, then
 * the new one becomes active. It runs as a job under the site's lock (vhost:<site>), so
 * it never races a change of the same site. No compensate: renewCertificate already puts
 * the previous files back and abandons the new certificate when anything fails.
 */
export const certificateRenew = defineAction({
  name: 'certificate.renew',
  params,
  async plan(ctx, p) {
    const cert = await ctx.services.store.certificates.get(p.certificate);
    const names = cert?.domains.join(', ') ?? p.site;
    return [
      {
        kind: 'request',
        summary: {
          en: `renew the certificate for ${names} from ${cert?.ca ?? 'its certificate authority'}, install it on ${cert?.webserver ?? 'its web server'} and check that it is served`,
          fr: `renouveler le certificat pour ${names} auprès de ${cert?.ca ?? 'son autorité de certification'}, l'installer sur ${cert?.webserver ?? 'son serveur web'} et vérifier qu'il est servi`,
        },
      },
    ];
  },
  async run(ctx, p) {
    const cert = await ctx.services.store.certificates.get(p.certificate);
    if (!cert || (ctx.tenantId && cert.tenantId !== ctx.tenantId) || cert.name !== p.site) {
      throw new OperationError('not_found', { en: `Certificate ${p.certificate} of ${p.site} was not found.`, fr: `Le certificat ${p.certificate} de ${p.site} est introuvable.` }, { en: 'Check the identifier and the site.', fr: "Vérifiez l'identifiant et le site." }, undefined, 404);
    }
    if (cert.status !== 'active') {
      throw new OperationError(
        'certificate_not_active',
        { en: `Certificate ${cert.id} is ${cert.status}, not active: there is nothing to renew.`, fr: `Le certificat ${cert.id} est ${cert.status}, pas actif : il n'y a rien à renouveler.` },
        { en: 'Renew the active certificate of the site.', fr: 'Renouvelez le certificat actif du site.' },
        undefined,
        409,
      );
    }
    const next = await renewCertificate(ctx.services, cert, { signal: ctx.signal, log: (m, d) => ctx.log(m, d) });
    ctx.log(`certificate ${next.serial} issued by ${next.ca} and served for ${next.domains.join(', ')}`);
    return { certificateId: next.id, serial: next.serial, ca: next.ca, notAfter: next.notAfter };
  },
});
