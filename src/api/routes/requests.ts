import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { notFound } from '../../errors.js';
import { invalidInput } from '../../errors.js';
import { requestable, TOPICS } from '../../requests/intents.js';
import { maskSecrets, secretWarning } from '../../requests/secrets.js';
import type { ClientThings, Understanding } from '../../requests/understand.js';
import type { RequestClassifier } from '../../requests/classifier.js';
import { diagnosisAnswer, type DiagnosisAnswer } from '../../requests/diagnosis.js';
import { defaultWebserver, diagnose } from '../../certificates/diagnose.js';
import type { TenantNames } from '../../store/tenants.js';
import type { Config } from '../../config/schema.js';
import { requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { parseBody } from '../errors.js';
import { storageAnswer, storageFigures } from './request-storage.js';

/** An operation's name (a playbook whose words declare phrasings), `diagnose` or `human`: not a closed list, since a provider adds operations. */
const intentName = z.string().regex(/^[a-z][a-z0-9.-]{0,63}$/);

const requestBody = z
  .object({
    text: z.string().trim().min(1).max(1000).describe('what the client needs, in their own words (English or French)'),
    intent: intentName.optional().describe('the operation the client picked when asked which one they meant'),
    site: z
      .string()
      .min(1)
      .max(253)
      .optional()
      .describe('the site the client picked when asked which one (a choice with `site`)'),
    tenant: z.string().min(1).max(64).optional().describe('admins: the tenant the request is for'),
  })
  .strict();

const proposal = z.object({
  playbook: z.string().describe('the operation to submit to POST /v1/jobs'),
  inputs: z.record(z.string(), z.unknown()),
  sentence: z.string(),
  dryRunFirst: z
    .boolean()
    .optional()
    .describe('submit it first with dryRun: true and show the changes; then with confirm: true'),
  typeToConfirm: z
    .object({ value: z.string(), input: z.string().optional() })
    .optional()
    .describe(
      'a removal: the client types value to confirm; with input, the typed text is submitted as that input (the operation refuses anything else)',
    ),
});
const understood = z.object({
  status: z
    .enum(['proposal', 'question', 'handoff', 'diagnosis'])
    .describe(
      'proposal: confirm it to run it (POST /v1/jobs); question: pick a choice; handoff: a person takes over; diagnosis: what the checks of a site found, with the fix to confirm if there is one',
    ),
  intent: intentName
    .nullable()
    .describe(
      'the first operation understood (diagnose: the checks of a site; human: a person); null when asked which one',
    ),
  intents: z.array(intentName).describe('every operation understood, in the order asked'),
  topic: z.enum(TOPICS).optional().describe('handoff: what the request is about, to name it to the client'),
  proposals: z.array(proposal).optional().describe('when more than one operation was asked: each proposal, in order'),
  diagnosis: z
    .object({
      site: z.string(),
      ok: z.boolean().describe('whether every check passed'),
      findings: z
        .array(z.object({ status: z.enum(['failure', 'warning']), message: z.string(), fix: z.string().optional() }))
        .describe("what the checks found, failures first, in the client's language"),
      person: z.boolean().describe('a person from the team has it (no one-click fix)'),
    })
    .optional()
    .describe('status diagnosis: what the checks of the site found; the fix, if any, is `proposal`'),
  confidence: z.number(),
  language: z.enum(['en', 'fr']),
  sentence: z.string().describe('what will be done, or the question, in the language the request was written in'),
  frustrated: z.boolean(),
  warning: z
    .string()
    .optional()
    .describe(
      'when the words held a password, key or token (hidden before anything kept or passed them on): what the client must do now, in their language; show it first',
    ),
  proposal: proposal.optional(),
  usage: storageAnswer.optional(),
  question: z
    .object({
      field: z.string(),
      choices: z.array(
        z.object({
          label: z.string(),
          proposal: proposal.optional(),
          intent: intentName.optional(),
          site: z.string().optional().describe("send it back as the body's `site`"),
        }),
      ),
    })
    .optional(),
});

/**
 * POST /v1/requests: a request in the client's own words, understood (src/requests) as
 * an operation with its inputs, one question, or a handover to a person (alert of kind
 * `request-handoff`). Nothing runs here: the client confirms a proposal by submitting it
 * as a job. Only the caller's own names are read, so another tenant's name reads as unknown.
 */
export async function requestRoutes(app: FastifyInstance, { store, config, engine }: ApiContext): Promise<void> {
  // The model learns the daemon's own playbooks' phrasings (a provider's operations included).
  const words = [...engine.playbooks].map(([name, p]) => [name, p.words] as [string, typeof p.words]);
  // The model is loaded in the background once the daemon listens, so no request waits for it:
  // serein's own words use the weights npm run prepare computed; other words (a provider's) the
  // weights kept in the state folder for them, trained in turns on the first start after they
  // changed. Meanwhile requests are read by serein's own model (its operations, not yet a
  // provider's own), or wait for the training when that model was not prepared either.
  let loading: Promise<RequestClassifier> | undefined;
  const load = () =>
    (loading ??= understanding().then(async (m) => {
      const { classifier, trained } = await m.loadRequestClassifier(words, config.stateDir);
      if (trained)
        app.log.info("requests: the model of these playbooks' words was trained and kept for the next start");
      return classifier;
    }));
  app.addHook('onListen', () => {
    setImmediate(() => void load().catch(() => undefined));
  });
  // Counted before the body is read: understanding words costs the daemon, whatever the answer.
  app.post(
    '/v1/requests',
    {
      onRequest: app.limitBeforeBody('requests'),
      config: {
        doc: {
          summary: "Understand a request in the client's own words (nothing runs until a proposal is confirmed)",
          tag: 'requests',
          body: requestBody,
          response: { 200: understood },
        },
      },
    },
    async (req, reply) => {
      const caller = requireCaller(req);
      const parsed = parseBody(requestBody, req.body);
      // Secrets in the words are masked here, before anything reads, stores, logs or sends them.
      const hidden = maskSecrets(parsed.text);
      const body = { ...parsed, text: hidden.text };
      let tenantId = caller.tenantId;
      if (caller.kind === 'admin') {
        if (!body.tenant)
          throw invalidInput(
            { en: 'Name the tenant the request is for.', fr: 'Indiquez le client concerné par la demande.' },
            { en: 'Add "tenant" to the body.', fr: 'Ajoutez « tenant » au corps de la requête.' },
          );
        tenantId = body.tenant;
      } else if (body.tenant && body.tenant !== tenantId) {
        throw notFound({ en: `Tenant "${body.tenant}"`, fr: `Le client « ${body.tenant} »` });
      }
      // One read of the store for the tenant and all its names, by its indexes: not kept, so a new site is known at once.
      const names = await store.tenants.names(tenantId!);
      if (!names && caller.kind === 'admin')
        throw notFound({ en: `Tenant "${body.tenant}"`, fr: `Le client « ${body.tenant} »` });
      const things = clientThings(names ?? { resources: [], servers: [], certificates: [] }, config, tenantId!, {
        admin: caller.kind === 'admin',
      });
      // Loaded and trained on the first request, so the daemon's start does not wait for the classifier.
      const { understand, readyClassifier, preparedClassifier, hostNames } = await understanding();
      const classifier = readyClassifier(words) ?? preparedClassifier() ?? (await load());
      const u: Understanding & { warning?: string; diagnosis?: DiagnosisAnswer & { site: string; ok: boolean } } =
        understand(classifier, body.text, things, {
          language: req.language,
          intent: body.intent,
          site: body.site,
        });
      if (hidden.masked) u.warning = secretWarning(hidden.kinds, u.language);
      if (u.status === 'diagnosis' && u.diagnose)
        await diagnoseSite(u, u.diagnose.site, { store, config, engine } as ApiContext, tenantId!);
      const storage =
        u.status === 'handoff' && u.topic === 'storage'
          ? await storageFigures(store, config, tenantId!, u.language)
          : undefined;
      if (storage) u.sentence = `${u.sentence} ${storage.sentence}`;
      if (u.status === 'handoff' || u.frustrated || u.diagnosis?.person) {
        // A handover alerts people: it counts against the client's job budget, so it cannot flood them.
        await app.limitPerToken('jobs', req, reply);
        await engine.services.alert({
          kind: 'request-handoff',
          tenantId: tenantId!,
          subject: subjectOf(hostNames(body.text), things, u),
          message: `${tenantId} asks in words${u.topic ? ` (${u.topic}${storage ? `: uses ${storage.admin}` : ''})` : ''}${u.frustrated ? ' (frustrated)' : ''}: "${oneLine(body.text)}"`,
          detail: {
            text: body.text,
            language: u.language,
            frustrated: u.frustrated,
            understood: u.intent,
            ...(u.topic ? { topic: u.topic } : {}),
            proposal: u.proposal ?? null,
            ...(u.diagnosis ? { diagnosis: { site: u.diagnosis.site, findings: u.diagnosis.findings } } : {}),
            ...(hidden.masked ? { secretsMasked: hidden.masked } : {}),
            ...(storage ? { usage: storage.usage } : {}),
          },
        });
      }
      // What the route checked is said in `diagnosis`: the engine's own note of the site is not part of the answer.
      const { diagnose: _checked, ...answer } = u;
      return storage ? { ...answer, usage: storage.usage } : answer;
    },
  );
}

/** The request modules, imported once (in the background at start, see onReady) and kept: a request does not resolve them again. */
function understanding() {
  return (modules ??= Promise.all([
    import('../../requests/understand.js'),
    import('../../requests/classifier.js'),
    import('../../requests/text.js'),
  ]).then(([u, c, t]) => ({
    understand: u.understand,
    loadRequestClassifier: c.loadRequestClassifier,
    readyClassifier: c.readyClassifier,
    preparedClassifier: c.preparedClassifier,
    hostNames: t.hostNames,
  })));
}
let modules:
  | Promise<{
      understand: typeof import('../../requests/understand.js').understand;
      loadRequestClassifier: typeof import('../../requests/classifier.js').loadRequestClassifier;
      readyClassifier: typeof import('../../requests/classifier.js').readyClassifier;
      preparedClassifier: typeof import('../../requests/classifier.js').preparedClassifier;
      hostNames: typeof import('../../requests/text.js').hostNames;
    }>
  | undefined;

/**
 * "My site is down": the doctor's checks (those of POST /v1/doctor: DNS, addresses, CAA,
 * the site's HTTP check) and the site's certificate, said in words with the one-click fix
 * if there is one (a proposal), else handed to a person with the findings.
 */
async function diagnoseSite(
  u: Understanding & { diagnosis?: DiagnosisAnswer & { site: string; ok: boolean } },
  site: string,
  { store, config, engine }: ApiContext,
  tenantId: string,
): Promise<void> {
  const resource = await store.tenants.getResource('vhost', site);
  const webserver =
    (resource?.data as { webserver?: string } | undefined)?.webserver || defaultWebserver(engine.services);
  const [d, certs] = await Promise.all([
    diagnose(engine.services, {
      domains: [site],
      challenge: 'http-01',
      webserver: webserver && config.webservers[webserver] ? webserver : undefined,
    }),
    store.certificates.list({ tenantId, status: 'active', name: site }),
  ]);
  const answer = diagnosisAnswer(
    d,
    site,
    certs[0] ? { id: certs[0].id, notAfter: certs[0].notAfter } : undefined,
    u.language,
    requestable([...engine.playbooks].map(([name, p]) => [name, p.words])),
  );
  u.diagnosis = { site, ok: d.ok, ...answer };
  u.sentence = answer.sentence;
  if (answer.fix) {
    u.proposal = answer.fix;
    u.proposals = u.proposals ? [answer.fix, ...u.proposals] : undefined;
  }
}

/** The tenant's own sites, domains, servers (with their engines), databases and active certificates: the only names a request is matched against. */
function clientThings(names: TenantNames, config: Config, tenantId: string, o: { admin: boolean }): ClientThings {
  const named = (kind: string) => names.resources.filter((r) => r.kind === kind).map((r) => r.name);
  const granted = names.servers;
  const databaseServers = granted.filter((s) => config.databases[s]);
  // A database's resource is <server>:<tenant>_<name>: the client knows it by the name it gave, and types the full one to delete it.
  const databases = named('database').flatMap((key) => {
    const [server, full] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    return full.startsWith(`${tenantId}_`) ? [{ server, full, name: full.slice(tenantId.length + 1) }] : [];
  });
  return {
    sites: named('vhost'),
    domains: named('domain'),
    webservers: granted.filter((s) => config.webservers[s]),
    databaseServers,
    databaseEngines: Object.fromEntries(databaseServers.map((s) => [s, config.databases[s].engine])),
    databases,
    // Oldest first: a newer active certificate of the same name is the one kept.
    certificates: Object.fromEntries(names.certificates.map((c) => [c.name, c.id])),
    tenantInput: o.admin ? tenantId : undefined,
  };
}

/** What the alert is about: the first of the client's names the request speaks of, else "request". */
function subjectOf(names: string[], things: ClientThings, u: Understanding): string {
  const inputs = u.proposal?.inputs as { domains?: string[]; domain?: string } | undefined;
  const mine = new Set([...things.sites, ...things.domains]);
  return (
    inputs?.domains?.[0] ??
    inputs?.domain ??
    u.diagnose?.site ??
    names.find((n) => mine.has(n) || [...mine].some((m) => n.endsWith(`.${m}`))) ??
    'request'
  );
}

/** The client's words on one line, cut short, for the admin feed's message. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}…` : flat;
}
