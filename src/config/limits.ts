import { z } from 'zod';

/** So many requests per window; past it, 429 with Retry-After. */
const perWindow = (maxMin: number) =>
  z.object({ max: z.number().int().min(maxMin), windowSeconds: z.number().int().min(1).max(86_400) }).strict();

/** Sane for a provider: a mistyped token is fine, a script guessing tokens is not; a client clicking fast is fine, a flood is not. */
export const DEFAULT_LIMITS = {
  bodyBytes: 1 << 20,
  failedAuth: { max: 20, windowSeconds: 60 },
  jobs: { max: 60, windowSeconds: 60 },
  doctorNames: { max: 300, windowSeconds: 600 },
  requests: { max: 30, windowSeconds: 60 },
  streams: { perToken: 10, perAddress: 100 },
  json: { keys: 1000, depth: 16 },
};

/**
 * Request limits: what one address or one token may ask in a window, and the largest
 * body. Counted per daemon, in memory.
 */
export const limitsSchema = z
  .object({
    bodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 << 20)
      .default(DEFAULT_LIMITS.bodyBytes)
      .describe('largest request body; larger ones get 413'),
    failedAuth: perWindow(1)
      .default(DEFAULT_LIMITS.failedAuth)
      .describe(
        'requests with a token that is not valid, per client address; past it the address is refused, audited and admins alerted',
      ),
    jobs: perWindow(1)
      .default(DEFAULT_LIMITS.jobs)
      .describe('job submissions per client token (admins are not limited)'),
    doctorNames: perWindow(100)
      .default(DEFAULT_LIMITS.doctorNames)
      .describe(
        'names diagnosed per client token (each name sends DNS and HTTP requests out; a request counts one before its body is read)',
      ),
    requests: perWindow(1)
      .default(DEFAULT_LIMITS.requests)
      .describe('requests in words (POST /v1/requests) per client token, counted before the body is read'),
    streams: z
      .object({ perToken: z.number().int().min(1), perAddress: z.number().int().min(1) })
      .strict()
      .default(DEFAULT_LIMITS.streams)
      .describe(
        'live job streams (/v1/jobs/:id/events) open at once, per token (admins included) and per client address; one more gets 429',
      ),
    json: z
      .object({ keys: z.number().int().min(100).max(1_000_000), depth: z.number().int().min(4).max(1000) })
      .strict()
      .default(DEFAULT_LIMITS.json)
      .describe(
        'every JSON body: most keys and list items (all levels together; more get 413) and most nesting levels (more get 400), checked before it is parsed',
      ),
  })
  .strict();

/** A tenant has at most 10 jobs queued or running at once, so one tenant's burst leaves most of the 128 workers to others; a plan's sites and databases. */
export const DEFAULT_QUOTAS = { runningJobs: 10, vhosts: 50, databases: 50, tenants: {} };

const quota = {
  runningJobs: z
    .number()
    .int()
    .min(1)
    .describe('jobs queued or running at once; more are refused with 429 until one ends'),
  vhosts: z.number().int().min(0).describe('sites'),
  databases: z.number().int().min(0).describe('databases, all servers together'),
  diskBytes: z
    .number()
    .int()
    .min(0)
    .describe(
      "disk space of the tenant's sites and databases together, in bytes; the client is warned by email when near it",
    ),
};

/** What one tenant may have; admins are not limited. `tenants` overrides it per tenant (their plan). */
export const quotasSchema = z
  .object({
    runningJobs: quota.runningJobs.default(DEFAULT_QUOTAS.runningJobs),
    vhosts: quota.vhosts.default(DEFAULT_QUOTAS.vhosts),
    databases: quota.databases.default(DEFAULT_QUOTAS.databases),
    diskBytes: quota.diskBytes.optional(),
    tenants: z.record(z.string(), z.object(quota).partial().strict()).default({}),
  })
  .strict();
