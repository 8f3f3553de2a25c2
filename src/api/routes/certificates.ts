import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../errors.js';
import { summarize } from '../../store/certificates.js';
import { MAX_PAGE } from '../../store/page.js';
import { requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../errors.js';
import { pageQuery, paged } from '../paging.js';
import { certificateAnswer, certificateList, idParam } from '../schemas.js';

const listQuery = z.object({
  status: z.enum(['active', 'replaced', 'pending', 'abandoned', 'retired', 'all']).default('active'),
  name: z.string().optional(),
  tenantId: z.string().optional(),
  ...pageQuery,
});

/** GET /v1/certificates (a client sees its own; never keys) and GET /v1/certificates/:id; their figures are in /metrics (src/api/metrics.ts). */
export async function certificateRoutes(app: FastifyInstance, { store }: ApiContext): Promise<void> {
  app.get(
    '/v1/certificates',
    {
      config: {
        doc: {
          summary:
            'Certificates and their history (never keys), newest first, paged: cursor and limit, next in the answer',
          tag: 'certificates',
          query: listQuery,
          response: { 200: certificateList },
        },
      },
    },
    async (req) => {
      const caller = requireCaller(req);
      const q = parseBody(listQuery, req.query, 'query');
      const page = await paged(() =>
        store.certificates.page({
          status: q.status === 'all' ? undefined : q.status,
          name: q.name,
          tenantId: caller.kind === 'client' ? caller.tenantId! : q.tenantId,
          cursor: q.cursor,
          limit: q.limit ?? MAX_PAGE, // the first page holds what the unpaged list held (1,000), for readers that do not page yet
        }),
      );
      return { certificates: page.items.map(summarize), next: page.next };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/certificates/:id',
    {
      config: {
        doc: {
          summary: 'One certificate with its chain (never its key)',
          tag: 'certificates',
          params: idParam,
          response: { 200: certificateAnswer },
        },
      },
    },
    async (req) => {
      const caller = requireCaller(req);
      const c = await store.certificates.get(req.params.id);
      if (!c || (caller.kind === 'client' && c.tenantId !== caller.tenantId))
        throw notFound({ en: `Certificate ${req.params.id}`, fr: `Le certificat ${req.params.id}` });
      return { certificate: { ...summarize(c), certPem: c.certPem } };
    },
  );
}
