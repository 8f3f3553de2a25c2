import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DnsProviders } from '../../dns/provider.js';
import type { Services } from '../../engine/action.js';
import type { Language } from '../../errors.js';
import { renewalBlocked } from '../../notify/messages.js';
import type { Message } from '../../notify/messages.js';
import { allClear, doneForThem, driftFound } from '../../notify/watch-messages.js';
import type { Store } from '../../store/store.js';
import { stageOf, type Escalation } from '../../store/escalations.js';
import { subjectName } from '../../watch/escalations.js';
import { requireAdmin, requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../errors.js';
import { idParam } from '../schemas.js';
import { actorOf, openEscalation } from './escalation-open.js';
import { noFixToSend } from './escalation-errors.js';

/**
 * What the team did for the client, as the all-clear names it: the follow-up the admin
 * reviewed when there was one (the issuance after a DNS repair), fixed at the click, not
 * whatever the escalation suggests by the time the page is read.
 */
const donePlaybook = (e: Escalation) => e.done?.then?.playbook ?? e.done?.ran ?? e.suggestion?.playbook;

/** How long a conversation that ended stays on the client's page. */
const ENDED_SHOWN_MS = 14 * 86_400_000;

const conversationQuery = z.object({ tenantId: z.string().optional().describe('admins: whose conversations') });
const answerBody = z.object({
  text: z
    .string()
    .trim()
    .min(1)
    .max(4000)
    .describe('the answer, in words, as the client will read it (on their page and by email)'),
  resolve: z.boolean().default(true).describe('false to keep it open after answering'),
});
const conversationSchema = z.object({
  id: z.string(),
  name: z.string().describe('what it is about, as the client names it: the site, or their request'),
  kind: z
    .enum(['drift', 'renewal-blocked', 'renewal-late', 'failures', 'request', 'needs-attention'])
    .describe(
      'drift: a change on the domain will block the renewal; renewal-blocked: a renewal failed because of it; failures: an operation kept failing; request: words handed to a person',
    ),
  stage: z.enum(['noticed', 'told', 'handling', 'resolved']),
  handledBy: z.string().nullable().describe('the person of the provider’s team on it'),
  openedAt: z.string(),
  updatedAt: z.string(),
  resolvedAt: z.string().nullable(),
  cameBack: z.boolean().describe('the same problem had ended once, and came back'),
  found: z.array(z.string()).describe('what was found, in the caller’s language'),
  fix: z.array(z.string()).describe('what to do, in the caller’s language'),
  renewAt: z.string().optional(),
  until: z.string().optional(),
  words: z.string().optional().describe('request: what the client wrote'),
  steps: z
    .array(z.object({ at: z.string(), kind: z.string(), by: z.string().optional(), text: z.string().optional() }))
    .describe(
      'in order: noticed or came-back, told, handed-over, taken (by), doing (by), fix-sent (by, text), answered (by, text: show it as text, never as HTML), resolved',
    ),
  resolution: z
    .object({
      at: z.string(),
      by: z.enum(['client', 'team', 'serein']),
      what: z.string(),
      byName: z.string().optional(),
    })
    .nullable(),
  allClear: z
    .object({ subject: z.string(), lead: z.string(), steps: z.array(z.string()) })
    .nullable()
    .describe('once resolved: « c’est réglé », with what changed, in the caller’s language'),
  fixForYou: z
    .boolean()
    .describe(
      'the DNS change can be made by serein (a DNS host it is connected to serves the domain): only then does the page offer "Fix it for me"',
    ),
});
const conversationList = z.object({ conversations: z.array(conversationSchema) });

/**
 * A conversation as the client reads it: facts and times, what was found and what to do in
 * their language, who of the team is on it (a name, never a token), the answers given, and
 * how it ended. Never the admins' part: signals, diagnoses, suggestions, reminders.
 */
export function forClient(e: Escalation, lang: Language, fixForYou = false): z.infer<typeof conversationSchema> {
  const c = e.cause;
  // A request is "your request" in the all-clear (their words are shown beside it, whole).
  const request = c?.kind === 'request' && !c.site;
  const name = request ? (lang === 'fr' ? 'votre demande' : 'your request') : clientName(e);
  const taken = [...e.steps]
    .reverse()
    .find((s) => s.kind === 'taken' || s.kind === 'doing' || s.kind === 'answered' || s.kind === 'fix-sent');
  const r = e.resolution;
  return {
    id: e.id,
    name,
    kind: c?.kind ?? (e.problem.startsWith('request') ? 'request' : 'failures'),
    stage: stageOf(e),
    handledBy: e.state === 'taken' ? (taken?.by ?? null) : null,
    openedAt: e.openedAt,
    updatedAt: e.updatedAt,
    resolvedAt: e.resolvedAt,
    cameBack: !!e.cameBack,
    found: (c?.found ?? []).map((f) => f[lang]),
    fix: (c?.fix ?? []).map((f) => f[lang]),
    ...(c?.renewAt ? { renewAt: c.renewAt } : {}),
    ...(c?.until ? { until: c.until } : {}),
    ...(c?.words ? { words: c.words } : {}),
    // A change sent to make is read in the reader's language (stored in both); an answer as the person wrote it.
    steps: e.steps
      .filter((s) => s.kind !== 'reminded')
      .map((s) => ({
        at: s.at,
        kind: s.kind,
        ...(s.by ? { by: s.by } : {}),
        ...(s.changes ? { text: s.changes.map((c) => c[lang]).join('\n') } : s.text ? { text: s.text } : {}),
      })),
    resolution: r ? { at: r.at, by: r.by, what: r.what, ...(r.byName ? { byName: r.byName } : {}) } : null,
    fixForYou,
    allClear: r
      ? sentence(
          allClear(lang, {
            name,
            by: r.by,
            what: r.what,
            cameBack: !!e.cameBack,
            playbook: e.done?.status === 'succeeded' ? donePlaybook(e) : undefined,
          }),
        )
      : null,
  };
}

/** A subject that starts a line starts with a capital ("Votre demande : c'est réglé"); a site's name is left as written. */
const sentence = (m: Message): Message => ({
  ...m,
  subject: /^(votre|your) /.test(m.subject) ? m.subject.charAt(0).toUpperCase() + m.subject.slice(1) : m.subject,
});

/** What a conversation is about, as the client names it: an operation's own name (its database, its site), never the operation's. */
function clientName(e: Escalation): string {
  const i = e.suggestion?.inputs ?? {};
  const named = i.domain ?? (Array.isArray(i.domains) ? i.domains[0] : undefined) ?? i.site ?? i.name;
  return e.problem.startsWith('operation:') && typeof named === 'string' ? named : subjectName(e);
}

/**
 * Whether serein can make the DNS change of an open site conversation itself: a DNS host it
 * is connected to serves the site's zone, and the name is the tenant's. Elsewhere a "Fix it
 * for me" would fail at once: the client is shown the change to make instead.
 */
async function fixable(services: Services, e: Escalation): Promise<boolean> {
  const site = e.cause?.site;
  if (e.state === 'resolved' || !site || !e.cause?.found?.length) return false;
  const providers = services.certificates.providers;
  if (!providers.configured) return false;
  return (await served(providers, site)) && (await services.store.tenants.domainOwner(site)) === e.tenantId;
}

/** How long whether a DNS host serves a name is kept: a zone moves between hosts rarely, and a page is read often. */
const LOCATED_MS = 5 * 60_000;
const locatedBy = new WeakMap<DnsProviders, Map<string, { until: number; served: Promise<boolean> }>>();

/**
 * Whether a DNS host serein is connected to serves `name`, asked at most once per name
 * every few minutes per daemon: each client's GET /v1/conversations would otherwise ask
 * the DNS host's API (a zone search for Cloudflare) for each of up to 50 conversations.
 */
function served(providers: DnsProviders, name: string): Promise<boolean> {
  const now = Date.now();
  const seen = locatedBy.get(providers) ?? new Map<string, { until: number; served: Promise<boolean> }>();
  locatedBy.set(providers, seen);
  const hit = seen.get(name);
  if (hit && hit.until > now) return hit.served;
  // Names come and go with clients: the expired ones leave when the map grows.
  if (seen.size >= 1000) for (const [k, v] of seen) if (v.until <= now) seen.delete(k);
  const answer = providers.locate(name).then(
    (l) => !!l,
    () => false,
  );
  seen.set(name, { until: now + LOCATED_MS, served: answer });
  return answer;
}

/** One notice of `GET /v1/notices`. */
type Notice = Message & { kind: 'drift' | 'blocked' | 'done' | 'sorted'; at: string };

/** Whether the client was ever told of it (page or email), so its end is theirs to read. */
const toldOf = (e: Escalation) =>
  e.steps.some((x) => x.kind === 'told' || x.kind === 'handed-over' || x.kind === 'answered' || x.kind === 'fix-sent');

/**
 * What `GET /v1/notices` lists: one notice per conversation, as it stands now (never the
 * drift watch's findings on their own, which would still say "there is time" once a
 * renewal had failed): an open drift, a renewal its cause blocked, a problem done for
 * them, or the all-clear of one that ended.
 */
export async function noticesFor(store: Store, tenantId: string, lang: Language): Promise<Notice[]> {
  const since = new Date(Date.now() - ENDED_SHOWN_MS).toISOString();
  return (await store.escalations.conversations(tenantId, since)).flatMap((e): Notice[] => {
    const c = e.cause;
    const words = (w: { en: string; fr: string }[] | undefined) => (w ?? []).map((x) => x[lang]);
    if (e.state !== 'resolved') {
      if (c?.kind === 'drift' && c.site && c.until)
        return [
          {
            kind: 'drift' as const,
            at: e.openedAt,
            ...driftFound(lang, {
              site: c.site,
              renewAt: c.renewAt ?? c.until,
              until: c.until,
              found: words(c.found),
              fix: words(c.fix),
            }),
          },
        ];
      const [found] = words(c?.found);
      const fix =
        words(c?.fix)[0] ??
        (lang === 'fr' ? 'Ouvrez votre page pour voir quoi changer.' : 'Open your page to see what to change.');
      if (c?.kind === 'renewal-blocked' && c.site && c.until)
        return [
          {
            kind: 'blocked' as const,
            at: e.openedAt,
            ...renewalBlocked(lang, { site: c.site, until: c.until, by: found ? 'dns' : 'authority', fix, found }),
          },
        ];
      return [];
    }
    if (!toldOf(e) && !(e.done?.status === 'succeeded')) return [];
    if (e.done?.status === 'succeeded' && e.resolution?.by !== 'client')
      return [
        {
          kind: 'done' as const,
          at: e.resolvedAt!,
          ...doneForThem(lang, { playbook: donePlaybook(e) ?? '', name: clientName(e), at: e.resolvedAt! }),
        },
      ];
    return toldOf(e) ? [{ kind: 'sorted' as const, at: e.resolvedAt!, ...forClient(e, lang).allClear! }] : [];
  });
}

/**
 * `GET /v1/conversations` (a client: its own only; an admin: a tenant's), and the admin's
 * words to a client from an escalation: `POST /v1/escalations/:id/answer` and
 * `POST /v1/escalations/:id/send-fix` (the exact DNS change, when no DNS host serein can
 * change serves the zone). `present` is how the escalation routes show an escalation.
 */
export async function conversationRoutes(
  app: FastifyInstance,
  o: Pick<ApiContext, 'store' | 'engine'> & { present: (e: Escalation) => unknown },
): Promise<void> {
  const { store, engine, present } = o;
  const escalations = engine.services.escalations;
  const escalationAnswer = z.object({ escalation: z.looseObject({ id: z.string() }) });
  const open = (id: string) => openEscalation(store, id);

  app.get(
    '/v1/conversations',
    {
      config: {
        doc: {
          summary:
            "Every problem told to the client, one conversation each, from the first warning to « c'est réglé »: its stage, who is on it, the answers, how it ended",
          tag: 'jobs',
          query: conversationQuery,
          response: { 200: conversationList },
        },
      },
    },
    async (req) => {
      const caller = requireCaller(req);
      const q = parseBody(conversationQuery, req.query, 'query');
      const tenantId = caller.kind === 'client' ? caller.tenantId! : q.tenantId;
      if (!tenantId) return { conversations: [] };
      const since = new Date(Date.now() - ENDED_SHOWN_MS).toISOString();
      // What only admins were handed (noticed, never told, no request of theirs) is not the client's conversation yet.
      const list = (await store.escalations.conversations(tenantId, since)).filter(
        (e) =>
          stageOf(e) !== 'noticed' || e.resolution?.by === 'client' || e.cause?.kind === 'request' || e.escalatedAt,
      );
      return {
        conversations: await Promise.all(
          list.map(async (e) => forClient(e, req.language, await fixable(engine.services, e))),
        ),
      };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/escalations/:id/answer',
    {
      config: {
        doc: {
          summary:
            'Answer the client in words: on their page and by email, in the conversation; ends it unless resolve is false',
          tag: 'admin',
          auth: 'admin',
          params: idParam,
          body: answerBody,
          response: { 200: escalationAnswer },
        },
      },
    },
    async (req) => {
      const caller = requireAdmin(req);
      const body = parseBody(answerBody, req.body);
      const e = await open(req.params.id);
      const after = await escalations.answer(
        e,
        actorOf(caller.label, caller.tokenId),
        caller.label,
        body.text,
        body.resolve,
      );
      await store.audit.append({
        tokenId: caller.tokenId,
        tenantId: e.tenantId,
        action: 'escalation.answer',
        subject: e.id,
        inputs: undefined,
        plan: undefined,
        result: 'ok',
        detail: { resolve: body.resolve, length: body.text.length },
      });
      return { escalation: present(after) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/escalations/:id/send-fix',
    {
      config: {
        doc: {
          summary:
            'Send the client the exact DNS change to make, in their language (when no DNS host serein can change serves their domain)',
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
      if (!e.fixToSend?.changes.length) {
        throw noFixToSend();
      }
      const after = await escalations.sendFix(e, actorOf(caller.label, caller.tokenId), caller.label);
      await store.audit.append({
        tokenId: caller.tokenId,
        tenantId: e.tenantId,
        action: 'escalation.send-fix',
        subject: e.id,
        inputs: undefined,
        plan: undefined,
        result: 'sent',
        detail: { changes: e.fixToSend.changes.map((c) => c.en) },
      });
      return { escalation: present(after) };
    },
  );
}
