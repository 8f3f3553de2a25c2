import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { OperationError } from '../../errors.js';
import { doneForThem, driftFound } from '../../notify/watch-messages.js';
import type { Escalation } from '../../store/escalations.js';
import { requireAdmin, requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../errors.js';
import { idParam, jobSchema } from '../schemas.js';
import { presentJob } from './jobs.js';

const escalationSchema = z.looseObject({
  id: z.string(),
  tenantId: z.string(),
  problem: z.string(),
  state: z.enum(['open', 'taken', 'resolved']),
  takenBy: z.string().nullable(),
  openedAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().nullable(),
  summary: z.string(),
  signals: z.array(z.looseObject({ at: z.string(), kind: z.string(), message: z.string() })),
  suggestion: z.looseObject({ playbook: z.string(), inputs: z.record(z.string(), z.unknown()) }).nullable(),
  done: z.looseObject({ jobId: z.string(), by: z.string(), at: z.string() }).nullable(),
});
const escalationAnswer = z.object({ escalation: escalationSchema });
const escalationList = z.object({ escalations: z.array(escalationSchema) });
const doAnswer = z.object({ escalation: escalationSchema, job: jobSchema });
const listQuery = z.object({ state: z.enum(['open', 'taken', 'resolved']).optional(), tenantId: z.string().optional() });
const noticesQuery = z.object({ tenantId: z.string().optional() });
const noticeList = z.object({
  notices: z.array(z.object({ kind: z.enum(['drift', 'done']), at: z.string(), subject: z.string(), lead: z.string(), steps: z.array(z.string()) })),
});

const DONE_SHOWN_MS = 14 * 86_400_000;

const gone = (id: string) =>
  new OperationError('not_found', { en: `Escalation ${id} was not found, or is resolved.`, fr: `L'escalade ${id} est introuvable, ou résolue.` }, { en: 'List them with GET /v1/escalations.', fr: 'Listez-les avec GET /v1/escalations.' }, undefined, 404);

/**
 * Escalations for admins (list, take, resolve, and "do it for them": the suggested
 * operation run on the tenant's behalf), and for clients what the watches told them
 * (`GET /v1/notices`: a renewal their DNS will block, a request done for them).
 */
export async function escalationRoutes(app: FastifyInstance, { store, engine }: ApiContext): Promise<void> {
  const escalations = engine.services.escalations;
  const open = async (id: string): Promise<Escalation> => {
    const e = await store.escalations.get(id);
    if (!e || e.state === 'resolved') throw gone(id);
    return e;
  };
  const by = (label: string, tokenId: string) => `${label} (${tokenId})`;

  app.get('/v1/escalations', { config: { doc: { summary: 'Clients who are stuck, with what was tried, each diagnosis, their words and the operation to run for them', tag: 'admin', auth: 'admin', query: listQuery, response: { 200: escalationList } } } }, async (req) => {
    requireAdmin(req);
    const q = parseBody(listQuery, req.query, 'query');
    return { escalations: await store.escalations.list(q) };
  });

  app.post<{ Params: { id: string } }>('/v1/escalations/:id/take', { config: { doc: { summary: 'Take an escalation: the others see who is on it', tag: 'admin', auth: 'admin', params: idParam, response: { 200: escalationAnswer } } } }, async (req) => {
    const caller = requireAdmin(req);
    const e = await open(req.params.id);
    await store.escalations.take(e.id, by(caller.label, caller.tokenId), new Date().toISOString());
    await store.audit.append({ tokenId: caller.tokenId, tenantId: e.tenantId, action: 'escalation.take', subject: e.id, inputs: undefined, plan: undefined, result: 'ok', detail: undefined });
    return { escalation: (await store.escalations.get(e.id))! };
  });

  app.post<{ Params: { id: string } }>('/v1/escalations/:id/resolve', { config: { doc: { summary: 'Resolve an escalation (a new signal on the same problem opens a new one)', tag: 'admin', auth: 'admin', params: idParam, response: { 200: escalationAnswer } } } }, async (req) => {
    const caller = requireAdmin(req);
    const e = await open(req.params.id);
    await store.escalations.resolve(e.id, new Date().toISOString());
    await store.audit.append({ tokenId: caller.tokenId, tenantId: e.tenantId, action: 'escalation.resolve', subject: e.id, inputs: undefined, plan: undefined, result: 'ok', detail: undefined });
    return { escalation: (await store.escalations.get(e.id))! };
  });

  app.post<{ Params: { id: string } }>('/v1/escalations/:id/do', {
    config: { doc: { summary: 'Do it for them: run the suggested operation on the tenant\'s behalf (the job is the tenant\'s; audited as started by this admin for them)', tag: 'admin', auth: 'admin', params: idParam, response: { 202: doAnswer } } },
  }, async (req, reply) => {
    const caller = requireAdmin(req);
    const e = await open(req.params.id);
    if (!e.suggestion) throw new OperationError('no_suggestion', { en: 'This escalation has no operation to run: it needs a person.', fr: "Cette escalade n'a pas d'opération à lancer : il faut une personne." }, { en: 'Take it and contact the client.', fr: 'Prenez-la et contactez le client.' }, undefined, 409);
    // A second click while the first run is still going would run it twice.
    if (e.done && !e.done.status) throw new OperationError('already_running', { en: 'It is already being done for them.', fr: 'C’est déjà en cours pour eux.' }, { en: `Follow job ${e.done.jobId}.`, fr: `Suivez la tâche ${e.done.jobId}.` }, undefined, 409);
    const tenant = await store.tenants.get(e.tenantId);
    // The admin's own token runs it (what admins may do), labelled for the tenant; the job belongs to the tenant through what it works on.
    const { job } = await engine.submit({ ...caller, label: `${caller.label} for ${e.tenantId}` }, { playbook: e.suggestion.playbook, inputs: e.suggestion.inputs }, tenant?.language ?? req.language);
    await escalations.started(e, job, by(caller.label, caller.tokenId));
    await store.audit.append({ tokenId: caller.tokenId, tenantId: e.tenantId, action: 'escalation.do', subject: e.id, inputs: e.suggestion.inputs, plan: undefined, result: 'started', detail: { jobId: job.id, playbook: job.playbook, onBehalfOf: e.tenantId } });
    return reply.status(202).send({ escalation: (await store.escalations.get(e.id))!, job: presentJob(job, req.language, true) });
  });

  app.get('/v1/notices', { config: { doc: { summary: "What serein told the client: a renewal their domain will block, a request the provider's team did for them", tag: 'jobs', query: noticesQuery, response: { 200: noticeList } } } }, async (req) => {
    const caller = requireCaller(req);
    const q = parseBody(noticesQuery, req.query, 'query');
    const tenantId = caller.kind === 'client' ? caller.tenantId! : q.tenantId;
    if (!tenantId) return { notices: [] };
    const lang = req.language;
    const drift = (await store.drift.list(tenantId)).map((f) => ({
      kind: 'drift' as const,
      at: f.firstSeen,
      ...driftFound(lang, { site: f.name, renewAt: f.renewAfter ?? f.notAfter, until: f.notAfter, found: f.problems.map((p) => p.message[lang]), fix: [...new Set(f.problems.flatMap((p) => (p.fix ? [p.fix[lang]] : [])))] }),
    }));
    const since = new Date(Date.now() - DONE_SHOWN_MS).toISOString();
    const done = await Promise.all(
      (await store.escalations.doneFor(tenantId, since)).map(async (e) => {
        const job = await store.jobs.get(e.done!.jobId);
        const i = e.suggestion?.inputs ?? {};
        const name = String(i.domain ?? (Array.isArray(i.domains) ? i.domains[0] : undefined) ?? i.name ?? job?.resource ?? '');
        return { kind: 'done' as const, at: e.resolvedAt!, ...doneForThem(lang, { playbook: e.suggestion?.playbook ?? job?.playbook ?? '', name, at: e.resolvedAt! }) };
      }),
    );
    return { notices: [...drift, ...done] };
  });
}
