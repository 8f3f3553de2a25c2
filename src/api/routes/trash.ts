import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { tenantQuota } from '../../quotas.js';
import { requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../errors.js';

const query = z.object({ tenantId: z.string().optional().describe('admins: one tenant only') });

const trashEntry = z.object({
  id: z.string().describe('what trash.restore takes as item'),
  kind: z.enum(['database', 'site']),
  name: z.string().describe("the database's full name, or the site's main name"),
  server: z.string().optional().describe('a database: its server'),
  bytes: z.number().describe('size of the copy'),
  deletedAt: z.string(),
  expiresAt: z.string().describe('when the copy is purged'),
  restoredAt: z.string().nullable(),
  tenantId: z.string().optional().describe('admins only'),
});
const trashList = z.object({ trash: z.array(trashEntry), keepDays: z.number() });

const usageEntry = z.object({
  kind: z.enum(['vhost', 'database']),
  name: z.string(),
  bytes: z.number(),
  measuredAt: z.string(),
  tenantId: z.string().optional(),
});
const usageAnswer = z.object({
  usage: z.array(usageEntry),
  totalBytes: z
    .number()
    .describe("the tenant's sites and databases together (admins: everyone's, or the tenant asked for)"),
  quotaBytes: z.number().nullable().describe("the tenant's diskBytes quota, if one is set"),
});

/**
 * GET /v1/trash: the copies kept of deleted databases and site files (a client sees its
 * own only; no path or target) and GET /v1/usage: each site's and database's last
 * measured size (src/watch/disk-usage.ts; nothing is measured in the request).
 */
export async function trashRoutes(app: FastifyInstance, { store, config }: ApiContext): Promise<void> {
  app.get(
    '/v1/trash',
    {
      config: {
        doc: {
          summary: 'Deleted databases and site files kept in the trash, restorable with trash.restore, newest first',
          tag: 'trash',
          query,
          response: { 200: trashList },
        },
      },
    },
    async (req) => {
      const caller = requireCaller(req);
      const q = parseBody(query, req.query, 'query');
      const client = caller.kind === 'client';
      const items = await store.trash.list(client ? caller.tenantId! : q.tenantId);
      return {
        keepDays: config.trash.keepDays,
        trash: items.map((t) => ({
          id: t.id,
          kind: t.kind,
          name: t.name,
          ...(t.origin.kind === 'database' ? { server: t.origin.server } : {}),
          bytes: t.bytes,
          deletedAt: t.createdAt,
          expiresAt: t.expiresAt,
          restoredAt: t.restoredAt,
          ...(client ? {} : { tenantId: t.tenantId }),
        })),
      };
    },
  );

  app.get(
    '/v1/usage',
    {
      config: {
        doc: {
          summary:
            "Disk space used by each site and database, as last measured in the background, and the tenant's quota",
          tag: 'trash',
          query,
          response: { 200: usageAnswer },
        },
      },
    },
    async (req) => {
      const caller = requireCaller(req);
      const q = parseBody(query, req.query, 'query');
      const tenantId = caller.kind === 'client' ? caller.tenantId! : q.tenantId;
      const figures = await store.usage.list(tenantId);
      return {
        usage: figures.map((f) => ({
          kind: f.kind as 'vhost' | 'database',
          name: f.name,
          bytes: f.bytes,
          measuredAt: f.measuredAt,
          ...(caller.kind === 'client' ? {} : { tenantId: f.tenantId }),
        })),
        totalBytes: figures.reduce((n, f) => n + f.bytes, 0),
        quotaBytes: tenantId ? (tenantQuota(config, tenantId).diskBytes ?? null) : null,
      };
    },
  );
}
