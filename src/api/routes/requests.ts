import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../engine/engine.js';
import { OperationError } from '../../errors.js';
import { INTENTS } from '../../requests/intents.js';
import { maskSecrets, secretWarning } from '../../requests/secrets.js';
import type { ClientThings, Understanding } from '../../requests/understand.js';
import type { Store } from '../../store/store.js';
import type { Config } from '../../config/schema.js';
import { requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../errors.js';

const requestBody = z
  .object({
    text: z.string().trim().min(1).max(1000).describe("what the client needs, in their own words (English or French)"),
    intent: z.enum(INTENTS).optional().describe('the operation the client picked when asked which one they meant'),
    tenant: z.string().min(1).max(64).optional().describe('admins: the tenant the request is for'),
  })
  .strict();

const proposal = z.object({ playbook: z.string(), inputs: z.record(z.string(), z.unknown()), sentence: z.string() });
const understood = z.object({
  status: z.enum(['proposal', 'question', 'handoff']).describe('proposal: confirm it to run it (POST /v1/jobs); question: pick a choice; handoff: a person takes over'),
  intent: z.string().nullable(),
  confidence: z.number(),
  language: z.enum(['en', 'fr']),
  sentence: z.string().describe('what will be done, or the question, in the language the request was written in'),
  frustrated: z.boolean(),
  warning: z.string().optional().describe('when the words held a password, key or token (hidden before anything kept or passed them on): what the client must do now, in their language; show it first'),
  proposal: proposal.optional(),
  question: z.object({ field: z.string(), choices: z.array(z.object({ label: z.string(), proposal: proposal.optional(), intent: z.string().optional() })) }).optional(),
});

/**
 * POST /v1/requests: a request in the client's own words, understood (src/requests) as
 * an operation with its inputs, one question, or a handover to a person (alert of kind
 * `request-handoff`). Nothing runs here: the client confirms a proposal by submitting it
 * as a job. Only the caller's own names are read, so another tenant's name reads as unknown.
 */
export async function requestRoutes(app: FastifyInstance, { store, config, engine }: ApiContext): Promise<void> {
  // Counted before the body is read: understanding words costs the daemon, whatever the answer.
  app.post('/v1/requests', { onRequest: app.limitBeforeBody('requests'), config: { doc: { summary: "Understand a request in the client's own words (nothing runs until a proposal is confirmed)", tag: 'requests', body: requestBody, response: { 200: understood } } } }, async (req, reply) => {
    const caller = requireCaller(req);
    const parsed = parseBody(requestBody, req.body);
    // Secrets in the words are masked here, before anything reads, stores, logs or sends them.
    const hidden = maskSecrets(parsed.text);
    const body = { ...parsed, text: hidden.text };
    let tenantId = caller.tenantId;
    if (caller.kind === 'admin') {
      if (!body.tenant) throw new OperationError('invalid_input', { en: 'Name the tenant the request is for.', fr: 'Indiquez le client concerné par la demande.' }, { en: 'Add "tenant" to the body.', fr: 'Ajoutez « tenant » au corps de la requête.' }, undefined, 400);
      if (!(await store.tenants.get(body.tenant))) throw notFound({ en: `Tenant "${body.tenant}"`, fr: `Le client « ${body.tenant} »` });
      tenantId = body.tenant;
    } else if (body.tenant && body.tenant !== tenantId) {
      throw notFound({ en: `Tenant "${body.tenant}"`, fr: `Le client « ${body.tenant} »` });
    }
    const things = await clientThings(store, config, tenantId!, caller.kind === 'admin');
    // Loaded and trained on the first request, so the daemon's start does not wait for the classifier.
    const { understand, requestClassifier, hostNames } = await understanding();
    const u: Understanding & { warning?: string } = understand(requestClassifier(), body.text, things, { language: req.language, intent: body.intent });
    if (hidden.masked) u.warning = secretWarning(hidden.kinds, u.language);
    if (u.status === 'handoff' || u.frustrated) {
      // A handover alerts people: it counts against the client's job budget, so it cannot flood them.
      await app.limitPerToken('jobs', req, reply);
      await engine.services.alert({ kind: 'request-handoff', tenantId: tenantId!, subject: subjectOf(hostNames(body.text), things, u), message: `${tenantId} asks in words${u.frustrated ? ' (frustrated)' : ''}: "${oneLine(body.text)}"`, detail: { text: body.text, language: u.language, frustrated: u.frustrated, understood: u.intent, proposal: u.proposal ?? null, ...(hidden.masked ? { secretsMasked: hidden.masked } : {}) } });
    }
    return u;
  });
}

/** The request modules, imported once when first needed. */
async function understanding() {
  const [u, c, t] = await Promise.all([import('../../requests/understand.js'), import('../../requests/classifier.js'), import('../../requests/text.js')]);
  return { understand: u.understand, requestClassifier: c.requestClassifier, hostNames: t.hostNames };
}

/** The tenant's own sites, domains and servers: the only names a request is matched against. */
async function clientThings(store: Store, config: Config, tenantId: string, admin: boolean): Promise<ClientThings> {
  const [resources, servers] = await Promise.all([store.tenants.listResources({ tenantId }), store.tenants.servers(tenantId)]);
  const named = (kind: string) => resources.filter((r) => r.kind === kind).map((r) => r.name);
  const granted = servers.map((s) => s.name);
  return {
    sites: named('vhost'),
    domains: named('domain'),
    webservers: granted.filter((s) => config.webservers[s]),
    databaseServers: granted.filter((s) => config.databases[s]),
    tenantInput: admin ? tenantId : undefined,
  };
}

/** What the alert is about: the first of the client's names the request speaks of, else "request". */
function subjectOf(names: string[], things: ClientThings, u: Understanding): string {
  const inputs = u.proposal?.inputs as { domains?: string[]; domain?: string } | undefined;
  const mine = new Set([...things.sites, ...things.domains]);
  return inputs?.domains?.[0] ?? inputs?.domain ?? names.find((n) => mine.has(n) || [...mine].some((m) => n.endsWith(`.${m}`))) ?? 'request';
}

/** The client's words on one line, cut short, for the admin feed's message. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}…` : flat;
}
