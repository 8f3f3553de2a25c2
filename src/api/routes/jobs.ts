import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../errors.js';
import { pageQuery, paged } from '../paging.js';
import { playbookRequestSchemas } from '../playbook-schemas.js';
import { idParam, JOB_STATUSES, jobAnswer, jobDetail, jobEvents, jobList, playbookList } from '../schemas.js';
import { TERMINAL, type Job } from '../../store/jobs.js';
import { clientEvent, clientJob, wholeEvent } from '../client-view.js';
import { serverWords, type ServerWords } from '../server-words.js';
import { JobStreams } from '../streams.js';
import type { Language, Localized, Offer } from '../../errors.js';
import type { OperationWords } from '../../operation-words.js';

const submitBody = z
  .object({
    playbook: z.string().min(1),
    inputs: z.record(z.string(), z.unknown()).default({}),
    dryRun: z.boolean().default(false),
    idempotencyKey: z.string().min(1).max(200).optional(),
  })
  .strict();

/** The most job ids one list request may name: a client waiting on more asks in several pages of ids. */
const MAX_IDS = 100;

const listQuery = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  playbook: z.string().optional(),
  ids: z
    .string()
    .max(MAX_IDS * 37)
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.uuid()).max(MAX_IDS))
    .optional()
    .describe(
      `only these jobs, comma-separated (at most ${MAX_IDS}): a client waiting on many jobs reads them in one request, not one each`,
    ),
  ...pageQuery,
});

/**
 * A dry-run plan as the API shows it: each summary a plain string in the caller's language
 * (the store keeps both; plans stored before summaries were localized hold a string already).
 */
function presentPlan(plan: unknown, language: Language): unknown {
  if (!Array.isArray(plan)) return plan;
  return plan.map((item) => {
    const summary = item && typeof item === 'object' ? (item as { summary?: unknown }).summary : undefined;
    if (!summary || typeof summary !== 'object') return item;
    const s = summary as Partial<Localized>;
    return { ...item, summary: s[language] ?? s.en };
  });
}

/** The job as the API shows it: the error and the plan in the caller's language, admin detail for admins. */
function jobView(job: Job, language: Language, admin: boolean) {
  const error = job.error && {
    code: job.error.code,
    message: language === 'fr' && job.error.fr ? job.error.fr.message : job.error.message,
    hint: language === 'fr' && job.error.fr ? job.error.fr.hint : job.error.hint,
    ...((job.error as { offer?: Offer }).offer ? { offer: (job.error as { offer?: Offer }).offer } : {}),
    ...(job.error.technical
      ? { technical: language === 'fr' && job.error.fr?.technical ? job.error.fr.technical : job.error.technical }
      : {}),
    ...(admin && job.error.detail ? { detail: job.error.detail } : {}),
  };
  return {
    id: job.id,
    playbook: job.playbook,
    status: job.status,
    dryRun: job.dryRun,
    tenantId: job.tenantId,
    inputs: job.inputs,
    resource: job.resource,
    target: job.target,
    plan: presentPlan(job.plan, language),
    // A dry run's result holds the same plan.
    result:
      job.dryRun && job.result?.plan ? { ...job.result, plan: presentPlan(job.result.plan, language) } : job.result,
    error,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

/** A job as the API shows it (src/api/schemas.ts jobSchema). */
export type PresentedJob = ReturnType<typeof jobView>;

/**
 * The job for its caller: whole for an admin; for a client through clientJob, which
 * needs the daemon's server words, so that no server path reaches it (README "Security").
 */
export function presentJob(job: Job, language: Language, admin: true): PresentedJob;
export function presentJob(job: Job, language: Language, admin: boolean, words: ServerWords): PresentedJob;
export function presentJob(job: Job, language: Language, admin: boolean, words?: ServerWords): PresentedJob {
  const shown = jobView(job, language, admin);
  return admin ? shown : clientJob(shown, words!, language);
}

/**
 * A playbook's or an input's words for the caller: a client reads the plain `client` text
 * as its description (the technical one when there is none); an admin reads the technical
 * description, and what clients read as `client`.
 */
function texts<T extends { description?: Localized; client?: Localized }>(
  of: T,
  admin: boolean,
  language: Language,
): { description?: string; client?: string } {
  const technical = of.description?.[language];
  const plain = of.client?.[language];
  if (!admin) return { description: plain ?? technical, client: undefined };
  return { description: technical, client: plain };
}

/** An operation's words the page shows (its words file, in one language): what it says of jobs and buttons. */
function pageWords(words: OperationWords, lang: Language): Record<string, string> {
  const keys = ['label', 'button', 'done', 'doing', 'failed', 'result'] as const;
  return Object.fromEntries(keys.flatMap((k) => (words[k] ? [[k, words[k][lang]]] : [])));
}

/** Jobs and playbooks: submit, follow, read results. */
export async function jobRoutes(app: FastifyInstance, { engine, store, config }: ApiContext): Promise<void> {
  const words = serverWords(config);
  app.get(
    '/v1/playbooks',
    { config: { doc: { summary: 'Operations the caller may run', tag: 'jobs', response: { 200: playbookList } } } },
    async (req) => {
      const caller = requireCaller(req);
      return {
        playbooks: engine.visiblePlaybooks(caller).map((p) => ({
          name: p.name,
          title: p.title[req.language],
          ...texts(p, caller.kind === 'admin', req.language),
          ...(p.words ? { words: pageWords(p.words, req.language) } : {}),
          inputs: Object.fromEntries(
            Object.entries(p.inputs)
              .filter(([, v]) => caller.kind === 'admin' || !v.admin) // a client never sees, nor may set, admin-only inputs
              .map(([k, v]) => [k, { ...v, ...texts(v, caller.kind === 'admin', req.language) }]),
          ),
        })),
      };
    },
  );

  app.post(
    '/v1/jobs',
    {
      // Counted before the body is read: a flood of bad or oversized requests is a flood too.
      onRequest: app.limitBeforeBody('jobs'),
      config: {
        doc: {
          summary: 'Run an operation (202 with the job; 200 with the first job for a known idempotency key)',
          description:
            'One body schema per playbook (components JobRequest.<playbook>); `dryRun: true` is a check only, listed with `dryRun: true`. Every invalid input is named at once.',
          tag: 'jobs',
          body: submitBody,
          bodyVariants: { property: 'playbook', schemas: () => playbookRequestSchemas(engine) },
          response: { 200: jobAnswer, 202: jobAnswer },
        },
      },
    },
    async (req, reply) => {
      const caller = requireCaller(req);
      const body = parseBody(submitBody, req.body);
      const { job, created } = await engine.submit(caller, body, req.language);
      return reply
        .status(created ? 202 : 200)
        .send({ job: presentJob(job, req.language, caller.kind === 'admin', words) });
    },
  );

  app.get(
    '/v1/jobs',
    {
      config: {
        doc: {
          summary:
            'Jobs, newest first, paged (cursor and limit; next in the answer); a client sees its own; dryRun marks a check only',
          tag: 'jobs',
          query: listQuery,
          response: { 200: jobList },
        },
      },
    },
    async (req) => {
      const caller = requireCaller(req);
      const q = parseBody(listQuery, req.query, 'query');
      // A client sees every job on its resources, whoever ran it (an admin, the renewal schedule).
      const page = await paged(() =>
        store.jobs.page({ ...q, forTenant: caller.kind === 'client' ? caller.tenantId! : undefined }),
      );
      return {
        jobs: page.items.map((j) => presentJob(j, req.language, caller.kind === 'admin', words)),
        next: page.next,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    {
      config: {
        doc: {
          summary: 'One job; a secret result is shown once, its fields named in secretKeys',
          tag: 'jobs',
          params: idParam,
          response: { 200: jobDetail },
        },
      },
    },
    async (req) => {
      const caller = requireCaller(req);
      const job = await engine.job(caller, req.params.id);
      const shown = presentJob(job, req.language, caller.kind === 'admin', words);
      // The shown-once secret goes to the side that asked for it: an admin reading a client's job leaves it for the client.
      const requester = job.tenantId
        ? caller.kind === 'client' && caller.tenantId === job.tenantId
        : caller.kind === 'admin';
      if (TERMINAL.includes(job.status) && job.secretResult && requester) {
        const secret = await engine.takeSecretResult(job);
        // secretKeys names the fields shown this once (["password"]): the caller can set them apart and warn, in one read.
        if (secret)
          return {
            job: {
              ...shown,
              result: { ...shown.result, ...secret },
              secretShownOnce: true,
              secretKeys: Object.keys(secret),
            },
          };
      }
      const secretPending = job.secretResult && !requester ? { secretPending: true } : {};
      return {
        job: { ...shown, ...secretPending },
        steps: caller.kind === 'admin' ? await store.jobs.steps(job.id) : undefined,
      };
    },
  );

  const streams = new JobStreams(engine, store, config.limits.streams, app.log);
  app.addHook('onClose', async () => streams.close());
  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id/events',
    {
      config: {
        doc: {
          summary:
            'Live progress (server-sent events); limits.streams open at once per token and per address, then 429',
          tag: 'jobs',
          params: idParam,
          response: { 200: jobEvents },
          produces: 'text/event-stream',
        },
      },
    },
    async (req, reply) => {
      const caller = requireCaller(req);
      streams.open(
        req,
        reply,
        await engine.job(caller, req.params.id),
        caller.kind === 'admin' ? wholeEvent : (e) => clientEvent(e, words, req.language),
      );
    },
  );
}
