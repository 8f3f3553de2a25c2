import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defaultWebserver, diagnose } from '../../certificates/diagnose.js';
import { diagnosisJson, formatDiagnosis } from '../../dns/report.js';
import { notFound } from '../../errors.js';
import { domainKey, notYours } from '../../resources/domain.js';
import { can } from '../../resources/policy.js';
import { requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../errors.js';
import { diagnosis } from '../schemas.js';

const doctorBody = z
  .object({
    domains: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(100)]),
    challenge: z.enum(['http-01', 'dns-01']).default('http-01'),
    webserver: z.string().optional(),
  })
  .strict();

/**
 * POST /v1/doctor: the certificate preflight alone, as a diagnosis. One entry per check
 * (in the caller's language) plus `text`, the same diagnosis written for a person.
 * Clients may only diagnose their own domains and servers.
 */
export async function doctorRoutes(app: FastifyInstance, { engine, store, config }: ApiContext): Promise<void> {
  // One name is counted before the body is read (so a flood of large or broken bodies is refused unread), the others once they are known.
  app.post(
    '/v1/doctor',
    {
      onRequest: app.limitBeforeBody('doctorNames'),
      config: {
        doc: {
          summary: 'Diagnose domains before a certificate (checks only, no order)',
          tag: 'certificates',
          body: doctorBody,
          response: { 200: diagnosis },
        },
      },
    },
    async (req, reply) => {
      const caller = requireCaller(req);
      const body = parseBody(doctorBody, req.body);
      const domains = typeof body.domains === 'string' ? body.domains.split(/[\s,]+/).filter(Boolean) : body.domains;
      if (domains.length > 100) throw notFound({ en: 'More than 100 names', fr: 'Plus de 100 noms' });
      await app.limitPerToken('doctorNames', req, reply, domains.length - 1); // each name sends DNS and HTTP requests out
      let webserver = body.webserver;
      // The one tenancy policy (src/resources/policy.ts), with the domain kind's own normalisation (names as people write them).
      for (const d of domains) {
        // A name that is no name at all is nobody's: the diagnosis says why (its first check), which tells nothing of others.
        if (domainKey(d) && !(await can(store.tenants, caller, 'read', { inputType: 'domain', name: d })))
          throw notYours(d);
      }
      if (webserver && !(await can(store.tenants, caller, 'use', { inputType: 'webserver', name: webserver })))
        throw notFound({ en: `Server "${webserver}"`, fr: `Le serveur « ${webserver} »` });
      if (webserver && !config.webservers[webserver])
        throw notFound({ en: `Server "${webserver}"`, fr: `Le serveur « ${webserver} »` });
      if (!webserver) {
        const name = domainKey(domains[0]);
        const site =
          name && (await can(store.tenants, caller, 'read', { kind: 'vhost', name }))
            ? await store.tenants.getResource('vhost', name)
            : undefined;
        const siteServer = (site?.data as { webserver?: string } | undefined)?.webserver;
        webserver = siteServer || defaultWebserver(engine.services);
      }
      const d = await diagnose(engine.services, { domains, challenge: body.challenge, webserver });
      const admin = caller.kind === 'admin';
      return {
        ...diagnosisJson(d, req.language, { admin }),
        webserver: webserver ?? null,
        text: formatDiagnosis(d, req.language, { admin }),
      };
    },
  );
}
