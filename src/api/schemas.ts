import { z } from 'zod';
import type { JobStatus } from '../store/jobs.js';
import { nextCursor } from './paging.js';

/**
 * What the API answers, as zod schemas, for /openapi.json: each route names its own in
 * `config.doc.response`. Objects are open (looseObject): a field added later is not a
 * breaking change, and a reader sees every field there is today.
 */

const when = z.string().describe('ISO 8601 time');
const maybeWhen = when.nullable();
const localizedError = z.looseObject({
  code: z.string(),
  message: z.string(),
  hint: z.string(),
  technical: z.string().optional().describe('for a technician: codes and addresses, shown folded'),
  detail: z.string().optional().describe('admins only'),
});

// Every status once: a status added to the store and not here fails type-checking.
const STATUS_SET: Record<JobStatus, true> = {
  queued: true,
  running: true,
  succeeded: true,
  failed: true,
  'needs-attention': true,
};
/** The job statuses, in the order a job goes through them. */
export const JOB_STATUSES = Object.keys(STATUS_SET) as [JobStatus, ...JobStatus[]];

/** A job as the API shows it (src/api/routes/jobs.ts presentJob). */
export const jobSchema = z.looseObject({
  id: z.string(),
  playbook: z.string(),
  status: z.enum(JOB_STATUSES),
  dryRun: z.boolean().describe('A check only: the plan was made, nothing was changed'),
  tenantId: z.string().nullable(),
  inputs: z.record(z.string(), z.unknown()),
  resource: z.string().nullable(),
  target: z.string().nullable(),
  plan: z
    .unknown()
    .describe(
      'The steps a dry run would take, each summary in the caller’s language; for a client without commands (argv), and its files named in words (a diff names the site, not the file)',
    ),
  result: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      'What the operation gives back; a client reads no server path: files are left out, folders named in words',
    ),
  error: localizedError.nullable(),
  createdAt: when,
  startedAt: maybeWhen,
  finishedAt: maybeWhen,
});

export const jobAnswer = z.object({ job: jobSchema });
export const jobList = z.object({ jobs: z.array(jobSchema), next: nextCursor });
export const jobDetail = z.object({
  job: jobSchema.extend({
    secretShownOnce: z.boolean().optional().describe('The fields named in secretKeys are shown this once'),
    secretKeys: z.array(z.string()).optional(),
    secretPending: z.boolean().optional().describe('A secret result waits for the one who asked'),
  }),
  steps: z
    .array(z.looseObject({ idx: z.number(), name: z.string(), action: z.string(), status: z.string() }))
    .optional()
    .describe('admins only'),
});
export const jobEvents = z
  .string()
  .describe(
    'Server-sent events: one per step change (id, event, data as JSON), then `end` with the final status; a client’s name no server path and carry no admin detail',
  );

export const playbookList = z.object({
  playbooks: z.array(
    z.looseObject({
      name: z.string(),
      title: z.string(),
      description: z.string().describe('What it does: in plain words for a client, technically for an admin'),
      client: z.string().optional().describe('admins only: what a client reads as description'),
      words: z
        .record(z.string(), z.string())
        .optional()
        .describe(
          "its words in the caller's language (playbooks/<operation>.words.yaml): label, button, done, doing, failed ({date}), result ({name})",
        ),
      inputs: z.record(
        z.string(),
        z.looseObject({
          type: z.string(),
          description: z.string().optional(),
          client: z.string().optional().describe('admins only: what a client reads as description'),
        }),
      ),
    }),
  ),
});

const tenant = z.looseObject({
  id: z.string(),
  name: z.string(),
  language: z.enum(['en', 'fr']),
  email: z.string().nullable().optional(),
  createdAt: when,
});
export const tenantAnswer = z.object({ tenant });
export const tenantList = z.object({ tenants: z.array(tenant) });

const resource = z.looseObject({
  kind: z.string(),
  name: z.string(),
  tenantId: z.string().nullable(),
  data: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      "What serein keeps of it. A client reads no server path: a site's nginx file and logs are left out, its folder is named in words",
    ),
  createdAt: when.optional(),
});
export const resourceAnswer = z.object({ resource });
export const resourceList = z.object({ resources: z.array(resource), next: nextCursor });
export const kindList = z.object({
  kinds: z.array(
    z.looseObject({
      kind: z.string(),
      label: z.looseObject({ one: z.string(), many: z.string(), a: z.string() }),
      inputTypes: z.array(z.string()),
      pick: z.enum(['choose', 'suggest']).optional(),
      shared: z.boolean(),
    }),
  ),
});

export const tokenCreated = z.looseObject({
  id: z.string(),
  token: z.string().describe('Shown once'),
  kind: z.enum(['admin', 'client']),
  tenantId: z.string().nullable().optional(),
  note: z.string(),
});
export const tokenList = z.object({
  tokens: z.array(
    z.looseObject({
      id: z.string(),
      kind: z.string(),
      tenantId: z.string().nullable(),
      label: z.string(),
      createdAt: when,
      revokedAt: maybeWhen,
      lastUsedAt: maybeWhen,
    }),
  ),
});

export const auditList = z.object({
  entries: z.array(
    z.looseObject({
      id: z.number(),
      at: when,
      tokenId: z.string().nullable(),
      tenantId: z.string().nullable(),
      action: z.string(),
      subject: z.string().nullable(),
      inputs: z.unknown(),
      plan: z.unknown(),
      result: z.string(),
      detail: z.unknown(),
    }),
  ),
  next: nextCursor,
});
export const alertList = z.object({
  alerts: z.array(
    z.looseObject({
      id: z.number(),
      at: when,
      kind: z.string(),
      tenantId: z.string().nullable(),
      subject: z.string(),
      message: z.string(),
      detail: z.unknown(),
    }),
  ),
  next: nextCursor,
});

export const diagnosis = z.looseObject({
  ok: z.boolean(),
  challenge: z.enum(['http-01', 'dns-01']),
  domains: z.array(z.string()),
  cas: z.array(z.unknown()),
  tookMs: z.number(),
  checks: z.array(
    z.looseObject({
      id: z.string(),
      domain: z.string().optional(),
      status: z.string(),
      title: z.string(),
      message: z.string(),
      fix: z.string().optional(),
      technical: z.string().optional(),
      detail: z.unknown().optional(),
      repair: z.unknown().optional(),
    }),
  ),
  webserver: z.string().nullable(),
  text: z.string().describe('The same diagnosis, written for a person'),
});

const certificate = z.looseObject({
  id: z.string(),
  tenantId: z.string().nullable(),
  webserver: z.string().nullable(),
  name: z.string(),
  domains: z.array(z.string()),
  challenge: z.enum(['http-01', 'dns-01']),
  status: z.enum(['pending', 'active', 'replaced', 'abandoned', 'retired']),
  ca: z.string(),
  serial: z.string(),
  notBefore: when,
  notAfter: when,
  renewAfter: maybeWhen,
  renewalFailures: z.number(),
});
export const certificateList = z.object({ certificates: z.array(certificate), next: nextCursor });
export const certificateAnswer = z.object({
  certificate: certificate.extend({ certPem: z.string().describe('The chain, PEM (never the key)') }),
});

export const me = z.object({
  kind: z.enum(['admin', 'client']),
  tenant: z.object({ id: z.string(), name: z.string(), language: z.enum(['en', 'fr']) }).nullable(),
  language: z.enum(['en', 'fr']),
});
export const health = z.object({ status: z.literal('ok') });
/** What the client page shows of the provider (src/api/routes/self-service.ts pageBrand). */
export const brand = z.looseObject({
  name: z.string(),
  logo: z.string().nullable().describe('A data: URL, or null'),
  colors: z.unknown(),
  support: z.unknown(),
  lostToken: z.unknown().nullable(),
});

/** Path parameters, by name. */
export const idParam = z.object({ id: z.string() });
