import { Cron } from 'croner';
import { z } from 'zod';

const cron = (example: string) =>
  z.string().refine((p) => {
    try {
      new Cron(p, { paused: true }).stop();
      return true;
    } catch {
      return false;
    }
  }, `a cron pattern such as "${example}" (minute hour day month weekday)`);

/** Kept a month: long enough for a client to notice a mistake, short enough not to fill the disk. */
export const DEFAULT_TRASH = { keepDays: 30, purgeSchedule: '23 4 * * *' };

/**
 * The trash: a copy of every deleted database (a dump) and of every site's files deleted
 * (an archive), kept `keepDays` and then purged on `purgeSchedule`. `dir` is the folder,
 * the same path on every target that keeps copies (0700, files 0600, root's); absent:
 * `<stateDir>/trash`, made absolute on the daemon's machine.
 */
export const trashSchema = z
  .object({
    keepDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(DEFAULT_TRASH.keepDays)
      .describe('days a deleted database or site files stay restorable'),
    dir: z
      .string()
      .startsWith('/', 'an absolute path')
      .optional()
      .describe('where the copies are kept on each target (default: <stateDir>/trash)'),
    purgeSchedule: cron('23 4 * * *')
      .default(DEFAULT_TRASH.purgeSchedule)
      .describe('when copies older than keepDays are removed (cron)'),
  })
  .strict();

/** Sizes are measured once an hour: du over a large site costs seconds of disk reads. */
export const DEFAULT_USAGE = { enabled: true, schedule: '7 * * * *', warnPercent: 90 };

/** The disk usage pass: each site's folder (du on its target) and database (SQL), cached in the store. */
export const usageSchema = z
  .object({
    enabled: z.boolean().default(DEFAULT_USAGE.enabled),
    schedule: cron('7 * * * *')
      .default(DEFAULT_USAGE.schedule)
      .describe('when sizes are measured (cron); never during a request'),
    warnPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(DEFAULT_USAGE.warnPercent)
      .describe('a tenant past this share of its diskBytes quota gets an email (at most one a day)'),
  })
  .strict();
