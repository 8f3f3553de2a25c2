import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { conflict, giveResource } from '../../tenancy.js';
import { notFound } from '../../engine/engine.js';
import { requireAdmin, requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../errors.js';
import { tenantIdProblem } from '../../tenant-id.js';

const tenantBody = z
  .object({
    id: z.string().superRefine((id, c) => {
      const problem = tenantIdProblem(id);
      if (problem) c.addIssue({ code: 'custom', message: problem });
    }),
    name: z.string().min(1).max(200),
    language: z.enum(['en', 'fr']).default('en'),
  })
  .strict();

const resourceBody = z
  .object({
    kind: z.enum(['domain', 'server', 'vhost', 'database', 'certificate']),
    name: z.string().min(1).max(253),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const tokenBody = z
  .object({ kind: z.enum(['admin', 'client']), tenantId: z.string().optional(), label: z.string().max(200).default('') })
  .strict()
  .refine((t) => (t.kind === 'client') === !!t.tenantId, 'a client token needs tenantId; an admin token takes none');

const auditQuery = z.object({
  tenantId: z.string().optional(),
  action: z.string().optional(),
  subject: z.string().optional(),
  result: z.string().optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  afterId: z.coerce.number().int().optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

/** Tenants, what they own, tokens, the audit trail and the admin feed. */
export async function adminRoutes(app: FastifyInstance, { store }: ApiContext): Promise<void> {
  app.post('/v1/tenants', { config: { doc: { summary: 'Register a tenant', tag: 'admin', body: tenantBody, auth: 'admin' } } }, async (req, reply) => {
    const caller = requireAdmin(req);
    const body = parseBody(tenantBody, req.body);
    if (await store.tenants.get(body.id)) throw conflict(`Tenant ${body.id}`);
    const tenant = await store.tenants.create(body);
    await store.audit.append({ tokenId: caller.tokenId, tenantId: tenant.id, action: 'tenant.create', subject: tenant.id, inputs: body, plan: undefined, result: 'succeeded', detail: undefined });
    return reply.status(201).send({ tenant });
  });

  app.get('/v1/tenants', { config: { doc: { summary: 'List tenants', tag: 'admin', auth: 'admin' } } }, async (req) => {
    requireAdmin(req);
    return { tenants: await store.tenants.list() };
  });

  app.post<{ Params: { id: string } }>('/v1/tenants/:id/resources', { config: { doc: { summary: 'Give a tenant a domain, server or resource', tag: 'admin', body: resourceBody, auth: 'admin' } } }, async (req, reply) => {
    const caller = requireAdmin(req);
    const body = parseBody(resourceBody, req.body);
    const resource = await giveResource(store, req.params.id, body);
    await store.audit.append({ tokenId: caller.tokenId, tenantId: req.params.id, action: 'resource.add', subject: `${resource.kind}:${resource.name}`, inputs: body, plan: undefined, result: 'succeeded', detail: undefined });
    return reply.status(201).send({ resource });
  });

  app.delete<{ Params: { id: string; kind: string; name: string } }>('/v1/tenants/:id/resources/:kind/:name', { config: { doc: { summary: 'Take a resource away from a tenant (changes nothing on servers)', tag: 'admin', auth: 'admin' } } }, async (req, reply) => {
    const caller = requireAdmin(req);
    const { id, kind, name } = req.params;
    const r = kind === 'server' ? (await store.tenants.servers(id)).find((s) => s.name === name) : await store.tenants.getResource(kind, name);
    if (!r || r.tenantId !== id) throw notFound({ en: `${kind} ${name}`, fr: `${kind} ${name}` });
    if (kind === 'server') await store.tenants.revokeServer(id, name);
    else await store.tenants.removeResource(kind, name);
    await store.audit.append({ tokenId: caller.tokenId, tenantId: r.tenantId, action: 'resource.remove', subject: `${r.kind}:${r.name}`, inputs: undefined, plan: undefined, result: 'succeeded', detail: undefined });
    return reply.status(204).send();
  });

  app.get('/v1/resources', { config: { doc: { summary: "What the caller's tenant owns (admins: everything)", tag: 'jobs' } } }, async (req) => {
    const caller = requireCaller(req);
    const q = parseBody(z.object({ kind: z.string().optional(), tenantId: z.string().optional() }), req.query, 'query');
    const tenantId = caller.kind === 'client' ? caller.tenantId! : q.tenantId;
    const owned = q.kind === 'server' ? [] : await store.tenants.listResources({ kind: q.kind, tenantId });
    const servers = !q.kind || q.kind === 'server' ? await store.tenants.servers(tenantId) : [];
    return { resources: [...owned, ...servers] };
  });

  app.post('/v1/tokens', { config: { doc: { summary: 'Create a token (shown once)', tag: 'admin', body: tokenBody, auth: 'admin' } } }, async (req, reply) => {
    const caller = requireAdmin(req);
    const body = parseBody(tokenBody, req.body);
    if (body.tenantId && !(await store.tenants.get(body.tenantId))) throw notFound({ en: `Tenant ${body.tenantId}`, fr: `Le client ${body.tenantId}` });
    const created = await store.tokens.create(body.kind, body.tenantId ?? null, body.label);
    await store.audit.append({ tokenId: caller.tokenId, tenantId: body.tenantId ?? null, action: 'token.create', subject: created.id, inputs: { kind: body.kind, label: body.label }, plan: undefined, result: 'succeeded', detail: undefined });
    return reply.status(201).send({ id: created.id, token: created.token, note: 'This token is shown once. Store it now.' });
  });

  app.get('/v1/tokens', { config: { doc: { summary: 'List tokens (never their values)', tag: 'admin', auth: 'admin' } } }, async (req) => {
    requireAdmin(req);
    return { tokens: await store.tokens.list() };
  });

  app.delete<{ Params: { id: string } }>('/v1/tokens/:id', { config: { doc: { summary: 'Revoke a token', tag: 'admin', auth: 'admin' } } }, async (req, reply) => {
    const caller = requireAdmin(req);
    if (!(await store.tokens.revoke(req.params.id))) throw notFound({ en: `Token ${req.params.id}`, fr: `Le jeton ${req.params.id}` });
    await store.audit.append({ tokenId: caller.tokenId, tenantId: null, action: 'token.revoke', subject: req.params.id, inputs: undefined, plan: undefined, result: 'succeeded', detail: undefined });
    return reply.status(204).send();
  });

  app.get('/v1/audit', { config: { doc: { summary: 'The audit trail, filterable, never truncated (page with afterId)', tag: 'admin', auth: 'admin' } } }, async (req) => {
    requireAdmin(req);
    const q = parseBody(auditQuery, req.query, 'query');
    return { entries: await store.audit.list(q) };
  });

  app.get('/v1/alerts', { config: { doc: { summary: 'The admin feed: what needs a human', tag: 'admin', auth: 'admin' } } }, async (req) => {
    requireAdmin(req);
    const q = parseBody(z.object({ kind: z.string().optional(), afterId: z.coerce.number().int().optional() }), req.query, 'query');
    return { alerts: await store.alerts.list(q) };
  });
}
