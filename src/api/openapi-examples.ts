/**
 * What /openapi.json adds to the routes' schemas so that the document alone is enough to
 * write a client: an example of each request body and success answer, by operationId
 * (src/api/openapi-operations.ts names them). test/openapi.test.ts checks every example
 * against its own schema.
 */

const at = '2026-03-03T10:15:00.000Z';
const later = '2026-03-03T10:15:04.210Z';
const jobId = '0b6f2c1e-8a4d-4c3b-9f1e-5d2a7c9e4b10';

const job = {
  id: jobId,
  playbook: 'vhost.create',
  status: 'succeeded',
  dryRun: false,
  tenantId: 'acme',
  inputs: { webserver: 'main', domain: 'shop.acme.fr', aliases: [] },
  resource: 'vhost:shop.acme.fr',
  target: 'local',
  plan: null,
  result: { url: 'http://shop.acme.fr/' },
  error: null,
  createdAt: at,
  startedAt: at,
  finishedAt: later,
};
const queued = { ...job, status: 'queued', result: null, startedAt: null, finishedAt: null };

const escalation = {
  id: 'esc_7Qk2',
  tenantId: 'acme',
  problem: 'certificate.issue:shop.acme.fr',
  state: 'taken',
  takenBy: 'admin token "ops"',
  openedAt: at,
  updatedAt: later,
  resolvedAt: null,
  summary: 'certificate.issue for shop.acme.fr failed 3 times within an hour',
  signals: [{ at, kind: 'failures', message: 'Your domain still points to an old server for IPv6 visitors.' }],
  suggestion: {
    playbook: 'dns.fix',
    inputs: { domain: 'shop.acme.fr', confirm: true },
    version: 'v3f9a',
    oneClick: true,
  },
  done: null,
  escalatedAt: at,
  stage: 'handling',
  struggle: { score: 4, priority: 'normal', failures: 3, messages: 0, frustrated: 0, bursts: 0, hoursOpen: 1 },
  steps: [
    { at, kind: 'noticed' },
    { at, kind: 'handed-over' },
    { at: later, kind: 'taken', by: 'Marie' },
  ],
};

const conversation = {
  id: 'esc_7Qk2',
  name: 'shop.acme.fr',
  kind: 'failures',
  stage: 'resolved',
  handledBy: null,
  openedAt: at,
  updatedAt: later,
  resolvedAt: later,
  cameBack: false,
  found: ['Votre domaine shop.acme.fr a une adresse IPv6, 2001:db8::dead, qui ne mène pas à ce serveur.'],
  fix: ["Chez la société qui gère votre domaine, supprimez l'adresse IPv6 2001:db8::dead de shop.acme.fr."],
  steps: [
    { at, kind: 'noticed' },
    { at, kind: 'handed-over' },
    { at: later, kind: 'taken', by: 'Marie' },
    { at: later, kind: 'resolved', by: 'Marie' },
  ],
  resolution: { at: later, by: 'client', what: 'issued' },
  allClear: {
    subject: 'shop.acme.fr : c’est réglé',
    lead: 'C’est réglé : votre site shop.acme.fr est sécurisé.',
    steps: ['Vous n’avez rien d’autre à faire.'],
  },
  fixForYou: false,
};

const certificate = {
  id: 'cert_5b1e',
  tenantId: 'acme',
  webserver: 'main',
  name: 'shop.acme.fr',
  domains: ['shop.acme.fr'],
  challenge: 'http-01',
  status: 'active',
  ca: 'letsencrypt',
  serial: '04a1b2c3d4e5f60718293a4b5c6d7e8f',
  notBefore: at,
  notAfter: '2026-06-01T10:15:00.000Z',
  renewAfter: '2026-05-02T10:15:00.000Z',
  renewalFailures: 0,
};

// "My site is down" on a site whose domain still has an old IPv6 address: what the checks found, and the fix (a dry run first).
const STALE_AAAA =
  "Votre domaine boutique.fr a une adresse IPv6, 2001:db8:1::5, qui n'est pas ce serveur. L'autorité de certification peut frapper à cette adresse (elle essaie IPv6 en premier) et n'y trouvera pas la preuve.";
const STALE_AAAA_FIX =
  "Chez la société qui gère votre domaine (souvent là où vous l'avez acheté), supprimez l'adresse IPv6 2001:db8:1::5 de boutique.fr, ou remplacez-la par 203.0.113.10 ou 2001:db8:2::10.";
const DIAGNOSIS_SENTENCE = `J'ai vérifié boutique.fr\u00a0: v${STALE_AAAA.slice(1)} Nous pouvons le corriger pour vous\u00a0: vous verrez d'abord les modifications.`;
const dnsFix = {
  playbook: 'dns.fix',
  inputs: { domain: 'boutique.fr' },
  sentence:
    "Je vais corriger l'adresse de boutique.fr chez votre fournisseur de noms de domaine, pour qu'elle mène à votre site. Vous verrez d'abord les modifications\u00a0; rien ne change avant votre confirmation.",
  dryRunFirst: true,
};

/** operationId → an example request body (when it takes one) and the success answer. */
export const EXAMPLES: Record<string, { request?: unknown; response: unknown }> = {
  getMetrics: {
    response:
      '# HELP serein_jobs_finished_total Jobs finished, by playbook, status and dry run.\n# TYPE serein_jobs_finished_total counter\nserein_jobs_finished_total{playbook="vhost.create",status="succeeded",dry_run="false"} 12\n',
  },
  getHealth: { response: { status: 'ok' } },
  listPlaybooks: {
    response: {
      playbooks: [
        {
          name: 'vhost.create',
          title: 'Create a site',
          description: 'A site on the web server, tested and reloaded',
          inputs: { webserver: { type: 'webserver' }, domain: { type: 'domain' } },
        },
      ],
    },
  },
  createJob: {
    request: {
      playbook: 'vhost.create',
      inputs: { webserver: 'main', domain: 'shop.acme.fr' },
      dryRun: false,
      idempotencyKey: 'order-1042',
    },
    response: { job: queued },
  },
  listJobs: { response: { jobs: [job], next: null } },
  getJob: {
    response: {
      job,
      steps: [
        { idx: 0, name: 'folder', action: 'site.folder', status: 'done' },
        { idx: 1, name: 'vhost', action: 'nginx.vhost', status: 'done' },
      ],
    },
  },
  streamJobEvents: {
    response:
      `id: 41\nevent: status\ndata: {"id":41,"at":"${at}","kind":"status","message":"running","data":null}\n\n` +
      `id: 42\nevent: step\ndata: {"id":42,"at":"${at}","kind":"step","message":"do: vhost started","data":{"step":"vhost","title":"The site on nginx","phase":"do","status":"running"}}\n\n` +
      `id: 45\nevent: status\ndata: {"id":45,"at":"${later}","kind":"status","message":"succeeded","data":null}\n\n` +
      'event: end\ndata: {"status":"succeeded"}\n\n',
  },
  createTenant: {
    request: { id: 'acme', name: 'ACME Ltd', language: 'fr', email: 'contact@acme.fr' },
    response: { tenant: { id: 'acme', name: 'ACME Ltd', language: 'fr', email: 'contact@acme.fr', createdAt: at } },
  },
  listTenants: {
    response: { tenants: [{ id: 'acme', name: 'ACME Ltd', language: 'fr', email: 'contact@acme.fr', createdAt: at }] },
  },
  giveResource: {
    request: { kind: 'domain', name: 'acme.fr' },
    response: { resource: { kind: 'domain', name: 'acme.fr', tenantId: 'acme', data: null, createdAt: at } },
  },
  takeResource: { response: null },
  listResources: {
    response: {
      resources: [{ kind: 'domain', name: 'acme.fr', tenantId: 'acme', data: null, createdAt: at }],
      next: null,
    },
  },
  listResourceKinds: {
    response: {
      kinds: [
        {
          kind: 'domain',
          label: { one: 'domain', many: 'domains', a: 'a domain' },
          inputTypes: ['domain'],
          pick: 'suggest',
          shared: false,
        },
      ],
    },
  },
  createToken: {
    request: { kind: 'client', tenantId: 'acme', label: 'ACME self-service' },
    response: {
      id: 'tok_3kd9',
      token: 'srn_c_8TQ1wYy3b2pXr4VnL0aZ',
      kind: 'client',
      tenantId: 'acme',
      note: 'Shown once: store it now.',
    },
  },
  listTokens: {
    response: {
      tokens: [
        {
          id: 'tok_3kd9',
          kind: 'client',
          tenantId: 'acme',
          label: 'ACME self-service',
          createdAt: at,
          revokedAt: null,
          lastUsedAt: later,
        },
      ],
    },
  },
  revokeToken: { response: null },
  listAudit: {
    response: {
      entries: [
        {
          id: 118,
          at,
          tokenId: 'tok_1adm',
          tenantId: 'acme',
          action: 'tenant.create',
          subject: 'acme',
          inputs: { name: 'ACME Ltd' },
          plan: null,
          result: 'ok',
          detail: null,
        },
      ],
      next: null,
    },
  },
  listAlerts: {
    response: {
      alerts: [
        {
          id: 7,
          at,
          kind: 'renewal-failed',
          tenantId: 'acme',
          subject: 'shop.acme.fr',
          message: 'The certificate of shop.acme.fr could not be renewed; next try in 10 min.',
          detail: null,
        },
      ],
      next: null,
    },
  },
  diagnose: {
    request: { domains: ['shop.acme.fr'], challenge: 'http-01', webserver: 'main' },
    response: {
      ok: true,
      challenge: 'http-01',
      domains: ['shop.acme.fr'],
      cas: ['letsencrypt'],
      tookMs: 412,
      checks: [
        {
          id: 'address',
          domain: 'shop.acme.fr',
          status: 'ok',
          title: 'Your domain points to this server',
          message: 'shop.acme.fr reaches this server over IPv4 and IPv6.',
        },
      ],
      webserver: 'main',
      text: 'Good news: shop.acme.fr can get a certificate.',
    },
  },
  listCertificates: { response: { certificates: [certificate], next: null } },
  listTrash: {
    response: {
      keepDays: 30,
      trash: [
        {
          id: '0f8fad5b-d9cb-469f-a165-70867728950e',
          kind: 'database',
          name: 'acme_shop',
          server: 'main',
          bytes: 48213,
          deletedAt: at,
          expiresAt: '2026-04-02T09:30:00.000Z',
          restoredAt: null,
        },
      ],
    },
  },
  getUsage: {
    response: {
      usage: [
        { kind: 'vhost', name: 'shop.acme.fr', bytes: 1_200_000_000, measuredAt: at },
        { kind: 'database', name: 'main:acme_shop', bytes: 52_428_800, measuredAt: at },
      ],
      totalBytes: 1_252_428_800,
      quotaBytes: 5_000_000_000,
    },
  },
  getCertificate: {
    response: {
      certificate: { ...certificate, certPem: '-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n' },
    },
  },
  getBrand: {
    response: {
      name: 'Hébergement Exemple',
      logo: null,
      colors: { accent: '#1f6feb' },
      support: { email: 'support@hebergement.example' },
      lostToken: 'mailto:support@hebergement.example',
    },
  },
  getMe: { response: { kind: 'client', tenant: { id: 'acme', name: 'ACME Ltd', language: 'fr' }, language: 'fr' } },
  listEscalations: { response: { escalations: [escalation] } },
  takeEscalation: { response: { escalation } },
  resolveEscalation: {
    request: { reason: 'the client moved the site elsewhere' },
    response: { escalation: { ...escalation, state: 'resolved', stage: 'resolved', resolvedAt: later } },
  },
  doEscalation: {
    request: { suggestion: 'v3f9a' },
    response: {
      escalation: { ...escalation, done: { jobId, by: 'admin token "ops"', at: later } },
      job: {
        ...queued,
        playbook: 'dns.fix',
        inputs: { domain: 'shop.acme.fr', confirm: true },
        resource: 'domain:shop.acme.fr',
      },
    },
  },
  getEscalation: { response: { escalation } },
  answerEscalation: {
    request: { text: 'Nous avons doublé votre espace : vous avez maintenant 20 Go.', resolve: true },
    response: { escalation: { ...escalation, state: 'resolved', stage: 'resolved', resolvedAt: later } },
  },
  sendEscalationFix: { response: { escalation } },
  listConversations: { response: { conversations: [conversation] } },
  listNotices: {
    response: {
      notices: [
        {
          kind: 'done',
          at,
          subject: 'shop.acme.fr is secure again',
          lead: 'Our team fixed the address of your domain and secured your site.',
          steps: [],
        },
      ],
    },
  },
  understandRequest: {
    request: { text: 'mon site boutique.fr ne marche plus' },
    response: {
      status: 'diagnosis',
      intent: 'diagnose',
      intents: ['diagnose'],
      confidence: 0.91,
      language: 'fr',
      sentence: DIAGNOSIS_SENTENCE,
      frustrated: false,
      diagnosis: {
        site: 'boutique.fr',
        ok: false,
        person: false,
        findings: [{ status: 'failure', message: STALE_AAAA, fix: STALE_AAAA_FIX }],
      },
      proposal: dnsFix,
    },
  },
};
