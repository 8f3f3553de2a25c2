import { z } from 'zod';
import { jobSchema } from '../schemas.js';

// The shapes of the escalation routes' bodies and answers, as validated and as /openapi.json documents them.

/** An escalation as admins read it, with where it stands and the rescue to run for the client. */
export const escalationSchema = z.looseObject({
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
/** One escalation, as every act on it answers. */
export const escalationAnswer = z.object({ escalation: escalationSchema });
/** GET /v1/escalations: the most urgent first. */
export const escalationList = z.object({ escalations: z.array(escalationSchema) });
/** "Do it for them": the escalation and the job started for the client. */
export const doAnswer = z.object({ escalation: escalationSchema, job: jobSchema });
/** Resolving: why it is over, for the record and the recovery message. */
export const resolveBody = z.object({
  reason: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .describe('why it is over, for the record and the recovery message'),
});
/** "Do it for them" names the suggestion the admin reviewed, so a changed one runs nothing. */
export const doBody = z.object({
  suggestion: z.string().min(1).max(64).describe('suggestion.version of the escalation as the admin reviewed it'),
});
/** Which escalations to list. */
export const listQuery = z.object({
  state: z.enum(['open', 'taken', 'resolved']).optional(),
  tenantId: z.string().optional(),
});
/** Whose notices an admin reads (a client reads its own). */
export const noticesQuery = z.object({ tenantId: z.string().optional() });
/** GET /v1/notices: what serein told the client, one per conversation. */
export const noticeList = z.object({
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
