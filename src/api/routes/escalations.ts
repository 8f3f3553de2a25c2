import type { FastifyInstance } from 'fastify';
import type { InputSpec } from '../../engine/inputs.js';
import type { Escalation, Suggestion } from '../../store/escalations.js';
import { TERMINAL } from '../../store/jobs.js';
import { SecretMasker } from '../../secrets.js';
import { actingFor } from '../../store/tokens.js';
import { suggestionVersion } from '../../watch/escalations.js';
import { struggleOf } from '../../watch/priority.js';
import { recheck } from '../../watch/recheck.js';
import { submitThen } from '../../watch/then.js';
import { stageOf } from '../../store/escalations.js';
import { conversationRoutes, noticesFor } from './conversations.js';
import { actorOf, openEscalation } from './escalation-open.js';
import {
  alreadyRunning,
  causeGone,
  changed,
  gone,
  noSuggestion,
  notOneClick,
  refusedForTenant,
} from './escalation-errors.js';
import {
  doAnswer,
  doBody,
  escalationAnswer,
  escalationList,
  listQuery,
  noticeList,
  noticesQuery,
  resolveBody,
} from './escalation-schemas.js';
import { requireAdmin, requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../errors.js';
import { idParam } from '../schemas.js';
import { presentJob } from './jobs.js';

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
      if (!s) throw noSuggestion();
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
