import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { InputSpec } from '../../engine/inputs.js';
import { OperationError, toOperationError } from '../../errors.js';
import type { Escalation, Suggestion } from '../../store/escalations.js';
import { TERMINAL } from '../../store/jobs.js';
import { SecretMasker } from '../../secrets.js';
import { actingFor } from '../../store/tokens.js';
import { suggestionLine, suggestionVersion } from '../../watch/escalations.js';
import { struggleOf } from '../../watch/priority.js';
import { recheck } from '../../watch/recheck.js';
import { submitThen } from '../../watch/then.js';
import { stageOf } from '../../store/escalations.js';
import { conversationRoutes, noticesFor } from './conversations.js';
import { actorOf, gone, openEscalation } from './escalation-open.js';
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
  suggestion: z
    .looseObject({
      playbook: z.string(),
      inputs: z.record(z.string(), z.unknown()),
      then: z
        .looseObject({ playbook: z.string(), inputs: z.record(z.string(), z.unknown()) })
        .optional()
        .describe('run right after, with the same rights, once the first removed its cause'),
      version: z
        .string()
        .describe('what "do it for them" names to run exactly this suggestion: a changed one is refused'),
      oneClick: z
        .boolean()
        .describe('false when it needs more than the client may do: then an admin runs it as themself, deliberately'),
    })
    .nullable(),
  done: z.looseObject({ jobId: z.string(), by: z.string(), at: z.string() }).nullable(),
  stage: z
    .enum(['noticed', 'told', 'handling', 'resolved'])
    .describe('where the conversation stands, as the client reads it too'),
  struggle: z
    .looseObject({ score: z.number(), priority: z.enum(['normal', 'high', 'urgent']) })
    .describe('the struggle score (failures, messages, frustration, time open) and the priority it sets'),
  steps: z.array(z.looseObject({ at: z.string(), kind: z.string() })),
  fixToSend: z
    .looseObject({ changes: z.array(z.looseObject({ en: z.string(), fr: z.string() })) })
    .optional()
    .describe('no DNS host serein can change serves the zone: the change to send the client (POST …/send-fix)'),
});
const escalationAnswer = z.object({ escalation: escalationSchema });
const escalationList = z.object({ escalations: z.array(escalationSchema) });
const doAnswer = z.object({ escalation: escalationSchema, job: jobSchema });
const resolveBody = z.object({
  reason: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .describe('why it is over, for the record and the recovery message'),
});
const doBody = z.object({
  suggestion: z.string().min(1).max(64).describe('suggestion.version of the escalation as the admin reviewed it'),
});
const listQuery = z.object({
  state: z.enum(['open', 'taken', 'resolved']).optional(),
  tenantId: z.string().optional(),
});
const noticesQuery = z.object({ tenantId: z.string().optional() });
const noticeList = z.object({
  notices: z.array(
    z.object({
      kind: z
        .enum(['drift', 'blocked', 'done', 'sorted'])
        .describe(
          'one per conversation: drift (a change to make before the renewal), blocked (a renewal that failed because of it), done (done for them), sorted (« c’est réglé », a problem that ended); GET /v1/conversations has each whole story',
        ),
      at: z.string(),
      subject: z.string(),
      lead: z.string(),
      steps: z.array(z.string()),
    }),
  ),
});

const changed = (e: Escalation & { suggestion: Suggestion }) =>
  new OperationError(
    'suggestion_changed',
    {
      en: 'This changed since you looked at it: nothing was run.',
      fr: "Ceci a changé depuis que vous l'avez regardé : rien n'a été lancé.",
    },
    {
      en: `It now suggests ${suggestionLine(e.suggestion)}. Look at it again, then click once more.`,
      fr: `Il est maintenant proposé ${suggestionLine(e.suggestion)}. Regardez-le à nouveau, puis cliquez encore une fois.`,
    },
    undefined,
    409,
  );

const notOneClick = (s: Suggestion) =>
  new OperationError(
    'not_one_click',
    {
      en: 'This needs more than the client may do, so it is not one click: nothing was run.',
      fr: "Ceci demande plus que ce que le client peut faire, ce n'est donc pas un clic : rien n'a été lancé.",
    },
    {
      en: `If it is right, run it yourself, as yourself, with the inputs shown: ${s.playbook} ${JSON.stringify(s.inputs)}.`,
      fr: `Si c'est justifié, lancez-le vous-même, en votre nom, avec les valeurs affichées : ${s.playbook} ${JSON.stringify(s.inputs)}.`,
    },
    undefined,
    409,
  );

/** A refusal met with the tenant's rights, told to the admin as such (the client's own words would say "your account"). */
const refusedForTenant = (err: unknown, tenantId: string) => {
  const e = toOperationError(err);
  if (e.status >= 500) return e;
  return new OperationError(
    e.code,
    {
      en: `Run with ${tenantId}'s rights, this is refused: ${e.userMessage.en}`,
      fr: `Lancé avec les droits de ${tenantId}, ceci est refusé : ${e.userMessage.fr}`,
    },
    {
      en: `${e.hint.en} serein does things for a client only as the client could; if more is needed, run it yourself, as yourself.`,
      fr: `${e.hint.fr} serein ne fait pour un client que ce que le client pourrait faire ; s'il faut davantage, lancez-le vous-même, en votre nom.`,
    },
    e.detail,
    e.status,
  );
};

const causeGone = (e: Escalation) =>
  new OperationError(
    'cause_gone',
    {
      en: 'This is sorted already: the cause is gone, so nothing was run.',
      fr: "C'est déjà réglé : la cause a disparu, rien n'a donc été lancé.",
    },
    {
      en: `${e.resolution?.reason ?? 'It ended'}; the client was told.`,
      fr: `${e.resolution?.reason ?? "C'est terminé"} ; le client a été prévenu.`,
    },
    undefined,
    409,
  );

const alreadyRunning = (jobId: string) =>
  new OperationError(
    'already_running',
    { en: 'It is already being done for them.', fr: 'C’est déjà en cours pour eux.' },
    { en: `Follow job ${jobId}.`, fr: `Suivez la tâche ${jobId}.` },
    undefined,
    409,
  );

/**
 * Escalations for admins (list, take, resolve, and "do it for them": the suggested
 * operation run on the tenant's behalf), and for clients what the watches told them
 * (`GET /v1/notices`: a renewal their DNS will block, a request done for them).
 */
export async function escalationRoutes(app: FastifyInstance, { store, engine }: ApiContext): Promise<void> {
  const escalations = engine.services.escalations;
  const open = (id: string) => openEscalation(store, id);
  /**
   * Whether a suggestion can run with the tenant's rights alone: a playbook clients may run
   * here, no input only admins set, and no removal the client has to confirm by typing its
   * name (src/engine/typed-name.ts) without that name in it: such a click would be refused
   * in the client's words, so it is shown for the admin to run deliberately instead.
   */
  const oneClick = (tenantId: string, s: Suggestion) => {
    const pb = engine
      .visiblePlaybooks(actingFor(tenantId, { tokenId: '', label: '' }))
      .find((p) => p.name === s.playbook);
    const untyped = (name: string, spec: InputSpec) =>
      spec.confirms
        ? s.inputs[name] !== s.inputs[spec.confirms]
        : name === 'confirm' && spec.type !== 'boolean' && s.inputs[name] === undefined;
    return (
      !!pb &&
      !Object.entries(pb.inputs).some(
        ([name, spec]) => (spec.admin && s.inputs[name] !== undefined) || untyped(name, spec),
      )
    );
  };
  /**
   * The escalation with the job done for them brought up to date: one that ended before
   * its end could be matched (it ended before the click recorded it, or its daemon stopped)
   * ends now, as the watch would have ended it, so it never stays "already running".
   */
  const settle = async (e: Escalation): Promise<Escalation> => {
    if (!e.done || e.done.status) return e;
    const job = await store.jobs.get(e.done.jobId);
    if (!job || !TERMINAL.includes(job.status)) return e;
    await escalations.doneJobFinished(job, (x, then) => submitThen(engine, x, then));
    return (await store.escalations.get(e.id)) ?? e;
  };
  const present = (e: Escalation) => ({
    ...e,
    stage: stageOf(e),
    struggle: struggleOf(e, new Date()),
    suggestion: e.suggestion && {
      ...e.suggestion,
      version: suggestionVersion(e.suggestion),
      oneClick:
        oneClick(e.tenantId, e.suggestion) && (!e.suggestion.then || oneClick(e.tenantId, { ...e.suggestion.then })),
    },
  });
  const services = engine.services;

  app.get(
    '/v1/escalations',
    {
      config: {
        doc: {
          summary:
            'Clients who are stuck, with what was tried, each diagnosis, their words and the operation to run for them',
          tag: 'admin',
          auth: 'admin',
          query: listQuery,
          response: { 200: escalationList },
        },
      },
    },
    async (req) => {
      requireAdmin(req);
      const q = parseBody(listQuery, req.query, 'query');
      // The most urgent first: the struggle score rises with time open, messages and failures.
      const list = (await store.escalations.list(q)).map(present);
      return {
        escalations: list.sort((a, b) => b.struggle.score - a.struggle.score || (a.updatedAt < b.updatedAt ? 1 : -1)),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/escalations/:id',
    {
      config: {
        doc: {
          summary:
            'One escalation, its cause checked again now: the rescue that removes it, or the all-clear if the client fixed it',
          tag: 'admin',
          auth: 'admin',
          params: idParam,
          response: { 200: escalationAnswer },
        },
      },
    },
    async (req) => {
      requireAdmin(req);
      const e = await store.escalations.get(req.params.id);
      if (!e || !e.escalatedAt) throw gone(req.params.id);
      return { escalation: present(await recheck(escalations, services, await settle(e))) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/escalations/:id/take',
    {
      config: {
        doc: {
          summary: 'Take an escalation: the others see who is on it',
          tag: 'admin',
          auth: 'admin',
          params: idParam,
          response: { 200: escalationAnswer },
        },
      },
    },
    async (req) => {
      const caller = requireAdmin(req);
      const e = await open(req.params.id);
      await escalations.take(e, actorOf(caller.label, caller.tokenId), caller.label);
      await store.audit.append({
        tokenId: caller.tokenId,
        tenantId: e.tenantId,
        action: 'escalation.take',
        subject: e.id,
        inputs: undefined,
        plan: undefined,
        result: 'ok',
        detail: undefined,
      });
      return { escalation: present((await store.escalations.get(e.id))!) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/escalations/:id/resolve',
    {
      config: {
        doc: {
          summary:
            'Resolve an escalation: the client gets the all-clear, the webhooks the recovery (a new signal on the same problem opens a new one)',
          tag: 'admin',
          auth: 'admin',
          params: idParam,
          body: resolveBody,
          response: { 200: escalationAnswer },
        },
      },
    },
    async (req) => {
      const caller = requireAdmin(req);
      const { reason } = parseBody(resolveBody, req.body ?? {});
      const e = await open(req.params.id);
      await escalations.close(e, {
        by: 'team',
        what: 'resolved',
        reason: reason ?? `resolved by ${caller.label}`,
        byName: caller.label,
      });
      await store.audit.append({
        tokenId: caller.tokenId,
        tenantId: e.tenantId,
        action: 'escalation.resolve',
        subject: e.id,
        inputs: undefined,
        plan: undefined,
        result: 'ok',
        detail: reason ? { reason } : undefined,
      });
      return { escalation: present((await store.escalations.get(e.id))!) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/escalations/:id/do',
    {
      config: {
        doc: {
          summary:
            "Do it for them: run the suggestion the admin reviewed, with the tenant's rights and checks (the job is the tenant's; audited as started by this admin for them)",
          tag: 'admin',
          auth: 'admin',
          params: idParam,
          body: doBody,
          response: { 202: doAnswer },
        },
      },
    },
    async (req, reply) => {
      const caller = requireAdmin(req);
      const { suggestion: reviewed } = parseBody(doBody, req.body ?? {});
      const seen = await settle(await open(req.params.id));
      if (seen.state === 'resolved') throw causeGone(seen);
      // A second click while the first run is still going would run it twice.
      if (seen.done && !seen.done.status) throw alreadyRunning(seen.done.jobId);
      // The cause is looked at again: gone, there is nothing to do for them; changed, the rescue changed with it.
      const e = await recheck(escalations, services, seen);
      if (e.state === 'resolved') throw causeGone(e);
      const s = e.suggestion;
      if (!s)
        throw new OperationError(
          'no_suggestion',
          {
            en: 'This escalation has no operation to run: it needs a person.',
            fr: "Cette escalade n'a pas d'opération à lancer : il faut une personne.",
          },
          { en: 'Take it and contact the client.', fr: 'Prenez-la et contactez le client.' },
          undefined,
          409,
        );
      // What the admin reviewed is what runs: a suggestion replaced since is refused, never swapped in.
      if (suggestionVersion(s) !== reviewed) throw changed({ ...e, suggestion: s });
      // The inputs came from the client (its failed job, its words): the admin's authority must not reach them.
      if (!oneClick(e.tenantId, s)) throw notOneClick(s);
      const tenant = await store.tenants.get(e.tenantId);
      // Two clicks at once (two admins, a double click) start one job: the key names this escalation, this
      // suggestion and the run it follows (a run that failed can be tried again).
      const idempotencyKey = `escalation:${e.id}:${reviewed}${seen.done ? `:after:${seen.done.jobId}` : ''}`;
      const { job, created } = await engine
        .submit(
          actingFor(e.tenantId, caller),
          { playbook: s.playbook, inputs: s.inputs, idempotencyKey },
          tenant?.language ?? req.language,
        )
        .catch((err: unknown) => {
          throw refusedForTenant(err, e.tenantId);
        });
      if (created) {
        await escalations.started(
          e,
          job,
          { ...s, version: reviewed },
          actorOf(caller.label, caller.tokenId),
          caller.label,
          caller.tokenId,
        );
        await store.audit.append({
          tokenId: caller.tokenId,
          tenantId: e.tenantId,
          action: 'escalation.do',
          subject: e.id,
          inputs: new SecretMasker().maskData(s.inputs),
          plan: undefined,
          result: 'started',
          detail: { jobId: job.id, playbook: job.playbook, onBehalfOf: e.tenantId, suggestion: reviewed },
        });
        // It may have ended before it was recorded, unseen by the watch: its end is taken now.
        await settle((await store.escalations.get(e.id))!);
      }
      return reply
        .status(202)
        .send({ escalation: present((await store.escalations.get(e.id))!), job: presentJob(job, req.language, true) });
    },
  );

  await conversationRoutes(app, { store, engine, present });

  app.get(
    '/v1/notices',
    {
      config: {
        doc: {
          summary:
            "What serein told the client: a renewal their domain will block, a request the provider's team did for them",
          tag: 'jobs',
          query: noticesQuery,
          response: { 200: noticeList },
        },
      },
    },
    async (req) => {
      const caller = requireCaller(req);
      const q = parseBody(noticesQuery, req.query, 'query');
      const tenantId = caller.kind === 'client' ? caller.tenantId! : q.tenantId;
      if (!tenantId) return { notices: [] };
      // One notice per conversation, as it stands now: a renewal that already failed is never also "there is time".
      return { notices: await noticesFor(store, tenantId, req.language) };
    },
  );
}
