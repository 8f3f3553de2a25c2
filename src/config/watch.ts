import { Cron } from 'croner';
import { z } from 'zod';
import { port } from './fields.js';

// What watches over clients and certificates (renewals, escalations, the drift watch) and how people are told (alerts, mail).

/** Whether a cron pattern is one croner accepts (the renewal and drift schedules). */
function isCron(p: string): boolean {
  try {
    new Cron(p, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

/**
 * How serein emails clients when something needs them (a renewal their DNS blocks, a
 * request stuck with the provider): the provider's own SMTP server, and the page the
 * emails link to. Without it, nobody is emailed; admins still get every alert.
 */
export const mailSchema = z
  .object({
    host: z.string().min(1).describe('the SMTP server serein sends through'),
    port: port.default(587),
    secure: z
      .boolean()
      .default(false)
      .describe('TLS from the first byte (port 465); false: STARTTLS when the server offers it'),
    auth: z
      .object({
        user: z.string().min(1),
        password: z.string().min(1).optional(),
        passwordFile: z.string().min(1).optional(),
      })
      .strict()
      .refine((a) => !(a.password && a.passwordFile), 'either password or passwordFile, not both')
      .optional(),
    from: z.string().min(3).describe('the sender clients see, e.g. "Example Hosting <support@example.net>"'),
    pageUrl: z.url().describe("the client page's public address, linked from every email"),
    timeoutMs: z.number().int().min(1000).max(120_000).default(15_000).describe('longest wait for the SMTP server'),
  })
  .strict();

/** The `renewal` section: when the schedule looks for certificates to renew, and how it spaces retries. */
export const renewalSchema = z
  .object({
    schedule: z
      .string()
      .default('17 */6 * * *')
      .refine((p) => {
        try {
          new Cron(p, { paused: true }).stop();
          return true;
        } catch {
          return false;
        }
      }, 'a cron pattern such as "17 */6 * * *" (minute hour day month weekday)'),
    enabled: z.boolean().default(true),
    jitterMinutes: z
      .number()
      .int()
      .min(0)
      .max(1440)
      .default(60)
      .describe('random delay added to computed renewal times'),
    retryMinutes: z
      .array(z.number().int().min(1))
      .min(1)
      .default([1, 10, 100, 1440])
      .describe('wait after the 1st, 2nd, 3rd... failed renewal; the last value repeats'),
    ariPollHours: z.number().min(1).max(48).default(12).describe('how often renewalInfo is asked again'),
  })
  .strict()
  .default({
    schedule: '17 */6 * * *',
    enabled: true,
    jitterMinutes: 60,
    retryMinutes: [1, 10, 100, 1440],
    ariPollHours: 12,
  });

/** The `alerts` section: where admins are told (webhooks, emails). */
export const alertsSchema = z
  .object({
    webhooks: z.array(z.url()).default([]),
    emails: z
      .array(z.email())
      .default([])
      .describe("admins' addresses that escalations are emailed to (through the `mail` SMTP server)"),
  })
  .strict()
  .default({ webhooks: [], emails: [] });

/** The `escalations` section: when a struggling client is handed to admins, and how admins are reminded. */
export const escalationsSchema = z
  .object({
    failures: z
      .number()
      .int()
      .min(2)
      .max(50)
      .default(3)
      .describe('failed runs of one operation by one tenant that open an escalation'),
    windowMinutes: z.number().int().min(1).max(10_080).default(60).describe('within how long those failures count'),
    unresolvedMinutes: z
      .number()
      .int()
      .min(1)
      .max(43_200)
      .default(240)
      .describe('a failure with no success after it for this long opens an escalation'),
    sweepMinutes: z
      .number()
      .int()
      .min(1)
      .max(1440)
      .default(15)
      .describe('how often failures without a later success are looked for'),
    reminders: z
      .object({
        enabled: z.boolean().default(true),
        afterMinutes: z
          .number()
          .int()
          .min(1)
          .max(10_080)
          .default(60)
          .describe('an escalation nobody took reminds admins after this long'),
        againMinutes: z
          .number()
          .int()
          .min(1)
          .max(10_080)
          .default(180)
          .describe('then, this long after the first reminder, through the other channel'),
        first: z
          .enum(['webhook', 'email'])
          .default('webhook')
          .describe(
            "the first reminder goes to the webhooks (and the admin feed) or to the admins' emails; the second to the other",
          ),
      })
      .strict()
      .default({ enabled: true, afterMinutes: 60, againMinutes: 180, first: 'webhook' }),
  })
  .strict()
  .default({
    failures: 3,
    windowMinutes: 60,
    unresolvedMinutes: 240,
    sweepMinutes: 15,
    reminders: { enabled: true, afterMinutes: 60, againMinutes: 180, first: 'webhook' },
  });

/** The `drift` section: the daily watch for changes a client must make before a renewal. */
export const driftSchema = z
  .object({
    enabled: z.boolean().default(true),
    schedule: z
      .string()
      .default('41 5 * * *')
      .refine(isCron, 'a cron pattern such as "41 5 * * *" (minute hour day month weekday)'),
    concurrency: z.number().int().min(1).max(64).default(4).describe('certificates checked at once'),
    escalateAfterHours: z
      .number()
      .int()
      .min(1)
      .max(2160)
      .default(72)
      .describe('a problem the client has not fixed after this long opens an escalation'),
  })
  .strict()
  .default({ enabled: true, schedule: '41 5 * * *', concurrency: 4, escalateAfterHours: 72 });

/** The SMTP server and page clients' emails go through and link to. */
export type MailConfig = z.output<typeof mailSchema>;
