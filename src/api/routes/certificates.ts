import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../engine/engine.js';
import { summarize, type CertificateStore } from '../../store/certificates.js';
import { requireAdmin, requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../errors.js';

const listQuery = z.object({
  status: z.enum(['active', 'replaced', 'pending', 'abandoned', 'all']).default('active'),
  name: z.string().optional(),
  tenantId: z.string().optional(),
});

const label = (v: string | null) => `"${String(v ?? '').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/**
 * Prometheus text for the served certificates: expiry, renewal time and consecutive
 * renewal failures of each, so an expiring certificate pages someone even if every
 * other alert was missed.
 */
export async function certificateMetrics(store: CertificateStore): Promise<string> {
  const active = await store.list({ status: 'active' });
  const out: string[] = [
    '# HELP serein_certificate_expiry_timestamp_seconds When each served certificate expires (Unix time).',
    '# TYPE serein_certificate_expiry_timestamp_seconds gauge',
  ];
  const labels = (c: (typeof active)[number]) => `{name=${label(c.name)},webserver=${label(c.webserver)},tenant=${label(c.tenantId)},ca=${label(c.ca)},serial=${label(c.serial)}}`;
  for (const c of active) out.push(`serein_certificate_expiry_timestamp_seconds${labels(c)} ${Math.floor(new Date(c.notAfter).getTime() / 1000)}`);
  out.push('# HELP serein_certificate_renew_after_timestamp_seconds When serein plans to renew each served certificate (Unix time).', '# TYPE serein_certificate_renew_after_timestamp_seconds gauge');
  for (const c of active) if (c.renewAfter) out.push(`serein_certificate_renew_after_timestamp_seconds${labels(c)} ${Math.floor(new Date(c.renewAfter).getTime() / 1000)}`);
  out.push('# HELP serein_certificate_renewal_failures Consecutive failed renewals of each served certificate.', '# TYPE serein_certificate_renewal_failures gauge');
  for (const c of active) out.push(`serein_certificate_renewal_failures${labels(c)} ${c.renewalFailures}`);
  out.push('# HELP serein_certificates Served certificates.', '# TYPE serein_certificates gauge', `serein_certificates ${active.length}`);
  return `${out.join('\n')}\n`;
}

/** GET /v1/certificates (a client sees its own; never keys), GET /v1/certificates/:id, and /metrics (admins). */
export async function certificateRoutes(app: FastifyInstance, { store }: ApiContext): Promise<void> {
  app.get('/v1/certificates', { config: { doc: { summary: 'Certificates and their history (never keys)', tag: 'certificates' } } }, async (req) => {
    const caller = requireCaller(req);
    const q = parseBody(listQuery, req.query, 'query');
    const list = await store.certificates.list({
      status: q.status === 'all' ? undefined : q.status,
      name: q.name,
      tenantId: caller.kind === 'client' ? caller.tenantId! : q.tenantId,
    });
    return { certificates: list.map(summarize) };
  });

  app.get<{ Params: { id: string } }>('/v1/certificates/:id', { config: { doc: { summary: 'One certificate with its chain (never its key)', tag: 'certificates' } } }, async (req) => {
    const caller = requireCaller(req);
    const c = await store.certificates.get(req.params.id);
    if (!c || (caller.kind === 'client' && c.tenantId !== caller.tenantId)) throw notFound({ en: `Certificate ${req.params.id}`, fr: `Le certificat ${req.params.id}` });
    return { certificate: { ...summarize(c), certPem: c.certPem } };
  });

  app.get('/metrics', { config: { doc: { summary: 'Prometheus metrics: certificate expiry and renewals', tag: 'certificates', auth: 'admin' } } }, async (req, reply) => {
    requireAdmin(req);
    return reply.type('text/plain; version=0.0.4').send(await certificateMetrics(store.certificates));
  });
}
