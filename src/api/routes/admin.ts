import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { describeKind, resourceKinds } from '../../resources/index.js';
import { AdminService, resourceBody, tenantBody, tokenBody } from '../../tenancy.js';
import { requireAdmin, requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { clientResource } from '../client-view.js';
import { serverWords } from '../server-words.js';
import { parseBody } from '../errors.js';
import { pageQuery, paged } from '../paging.js';
import { MAX_PAGE } from '../../store/page.js';
import {
  alertList,
  auditList,
  idParam,
  kindList,
  resourceAnswer,
  resourceList,
  tenantAnswer,
  tenantList,
  tokenCreated,
  tokenList,
} from '../schemas.js';

const auditQuery = z.object({
  tenantId: z.string().optional(),
  action: z.string().optional(),
  subject: z.string().optional(),
  result: z.string().optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  afterId: z.coerce.number().int().optional(),
  ...pageQuery,
});
const resourcesQuery = z.object({ kind: z.string().optional(), tenantId: z.string().optional(), ...pageQuery });
const alertsQuery = z.object({
  kind: z.string().optional(),
  afterId: z.coerce.number().int().optional(),
  ...pageQuery,
});
const resourceParams = z.object({ id: z.string(), kind: z.string(), name: z.string() });

/** Tenants, what they own, tokens, the audit trail and the admin feed. Changes go through the admin service (src/tenancy.ts). */
export async function adminRoutes(app: FastifyInstance, { store, config }: ApiContext): Promise<void> {
  const admin = new AdminService(store);
  const words = serverWords(config);

  app.post(
    '/v1/tenants',
    {
      config: {
        doc: {
          summary: 'Register a tenant',
          tag: 'admin',
          body: tenantBody,
          auth: 'admin',
          response: { 201: tenantAnswer },
        },
      },
    },
    async (req, reply) => {
      const tenant = await admin.createTenant(requireAdmin(req), req.body);
      return reply.status(201).send({ tenant });
    },
  );

  app.get(
    '/v1/tenants',
    { config: { doc: { summary: 'List tenants', tag: 'admin', auth: 'admin', response: { 200: tenantList } } } },
    async (req) => {
      requireAdmin(req);
      return { tenants: await store.tenants.list() };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/tenants/:id/resources',
    {
      config: {
        doc: {
          summary: 'Give a tenant a domain, server or resource',
          tag: 'admin',
          body: resourceBody(),
          params: idParam,
          auth: 'admin',
          response: { 201: resourceAnswer },
        },
      },
    },
    async (req, reply) => {
      const resource = await admin.giveResource(requireAdmin(req), req.params.id, req.body);
      return reply.status(201).send({ resource });
    },
  );

  app.delete<{ Params: { id: string; kind: string; name: string } }>(
    '/v1/tenants/:id/resources/:kind/:name',
    {
      config: {
        doc: {
          summary: 'Take a resource away from a tenant (changes nothing on servers)',
          tag: 'admin',
          params: resourceParams,
          auth: 'admin',
          response: { 204: null },
        },
      },
    },
    async (req, reply) => {
      await admin.takeResource(requireAdmin(req), req.params.id, req.params.kind, req.params.name);
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/resources',
    {
      config: {
        doc: {
          summary: "What the caller's tenant owns (admins: everything)",
          tag: 'jobs',
          query: resourcesQuery,
          response: { 200: resourceList },
        },
      },
    },
    async (req) => {
      const caller = requireCaller(req);
      const q = parseBody(resourcesQuery, req.query, 'query');
      const tenantId = caller.kind === 'client' ? caller.tenantId! : q.tenantId;
      // Records of every kind (plug-ins' included) come from one table; kinds kept elsewhere (shared servers) list their own.
      const listed = resourceKinds().filter((k) => k.shared && (!q.kind || q.kind === k.kind));
      // Records are paged; shared things (a few servers from the config) come whole on the first page.
      const owned =
        q.kind && listed.length
          ? { items: [], next: null }
          : await paged(() =>
              store.tenants.resourcesPage({ kind: q.kind, tenantId, cursor: q.cursor, limit: q.limit ?? MAX_PAGE }),
            );
      const others = q.cursor
        ? listed.map(() => [])
        : await Promise.all(listed.map((k) => k.list(store.tenants, tenantId)));
      // A shared thing (a server) says which input types it can fill, from the config section naming it:
      // a form offers a database server where a database server is asked, never the web server.
      const sections = config as unknown as Record<string, Record<string, unknown> | undefined>;
      const fills = (k: (typeof listed)[number], name: string) =>
        k.inputTypes
          .filter((t) => t.configSection && sections[t.configSection]?.[name] !== undefined)
          .map((t) => t.type);
      const shared = listed.flatMap((k, i) =>
        others[i].map((r) => ({ ...r, data: { ...r.data, inputTypes: fills(k, r.name) } })),
      );
      const resources = [...owned.items, ...shared];
      // A client reads what it owns, not where the server keeps it (src/api/client-view.ts).
      return {
        resources: caller.kind === 'admin' ? resources : resources.map((r) => clientResource(r, words, req.language)),
        next: owned.next,
      };
    },
  );

  app.get(
    '/v1/resource-kinds',
    {
      config: {
        doc: {
          summary: "The kinds of resources, with their labels in the caller's language",
          tag: 'jobs',
          response: { 200: kindList },
        },
      },
    },
    async (req) => {
      const caller = requireCaller(req);
      return { kinds: resourceKinds().map((k) => describeKind(k, req.language, caller.kind === 'admin')) };
    },
  );

  app.post(
    '/v1/tokens',
    {
      config: {
        doc: {
          summary: 'Create a token (shown once)',
          tag: 'admin',
          body: tokenBody,
          auth: 'admin',
          response: { 201: tokenCreated },
        },
      },
    },
    async (req, reply) => {
      const created = await admin.createToken(requireAdmin(req), req.body);
      return reply.status(201).send({ ...created, note: 'This token is shown once. Store it now.' });
    },
  );

  app.get(
    '/v1/tokens',
    {
      config: {
        doc: { summary: 'List tokens (never their values)', tag: 'admin', auth: 'admin', response: { 200: tokenList } },
      },
    },
    async (req) => {
      requireAdmin(req);
      return { tokens: await store.tokens.list() };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/tokens/:id',
    {
      config: {
        doc: { summary: 'Revoke a token', tag: 'admin', params: idParam, auth: 'admin', response: { 204: null } },
      },
    },
    async (req, reply) => {
      await admin.revokeToken(requireAdmin(req), req.params.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/audit',
    {
      config: {
        doc: {
          summary: 'The audit trail, filterable, never truncated (paged: cursor and limit, next in the answer)',
          tag: 'admin',
          auth: 'admin',
          query: auditQuery,
          response: { 200: auditList },
        },
      },
    },
    async (req) => {
      requireAdmin(req);
      const q = parseBody(auditQuery, req.query, 'query');
      const page = await paged(() => store.audit.page(q));
      return { entries: page.items, next: page.next };
    },
  );

  app.get(
    '/v1/alerts',
    {
      config: {
        doc: {
          summary: 'The admin feed: what needs a human (paged: cursor and limit, next in the answer)',
          tag: 'admin',
          auth: 'admin',
          query: alertsQuery,
          response: { 200: alertList },
        },
      },
    },
    async (req) => {
      requireAdmin(req);
      const q = parseBody(alertsQuery, req.query, 'query');
      const page = await paged(() => store.alerts.page(q));
      return { alerts: page.items, next: page.next };
    },
  );
}
