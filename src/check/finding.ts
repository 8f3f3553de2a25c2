import type { Config } from '../config/schema.js';
import { TargetError, type Target } from '../targets/target.js';
import { mapLimit } from '../util/concurrency.js';

/** What the machine checks need: the configuration and its targets (the daemon's services have both). */
export interface MachineDeps {
  readonly config: Config;
  target(name: string): Target;
}

/** How one check came out: fine (maybe with a note), or the fix an admin types. */
export type Outcome = { ok: true; note?: string; skipped?: true } | { ok: false; fix: string };

/** Fine as found; the note says what was seen when an admin would want to know (a version, a count). */
export const ok = (note?: string): Outcome => ({ ok: true, ...(note ? { note } : {}) });
/** Not looked at, because a problem already reported stands in the way (said once, not twice). */
export const skip = (note: string): Outcome => ({ ok: true, note, skipped: true });
/** Not fine: the text is what an admin types or changes to make it so, since a check that only says "wrong" leaves them guessing. */
export const fix = (text: string): Outcome => ({ ok: false, fix: text });

/**
 * One thing looked at on the machine: a folder, a program, a server, a credential. It
 * answers with the fix in admin words (commands, config keys), never an API route.
 */
export interface MachineCheck {
  /** What it belongs to: "web server main", "database server maria", "CA letsencrypt". */
  subject: string;
  /** What is looked at, with the config key it comes from. */
  what: string;
  /** The fix when it does not answer in time. */
  silent?: string;
  run(): Promise<Outcome>;
}

/** A check's answer as `serein check`, the daemon's start and dry runs report it. */
export interface Finding {
  subject: string;
  what: string;
  ok: boolean;
  fix?: string;
  note?: string;
  skipped?: true;
}

/** Runs the checks at most `concurrency` at once, each cut after `timeoutMs`: a silent server never holds the others up. */
export async function runChecks(
  checks: readonly MachineCheck[],
  o: { concurrency?: number; timeoutMs?: number } = {},
): Promise<Finding[]> {
  const timeoutMs = o.timeoutMs ?? 5000;
  return mapLimit(checks, o.concurrency ?? 8, async (c) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve(fix(c.silent ?? `no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    let outcome: Outcome;
    try {
      outcome = await Promise.race([c.run(), late]);
    } catch (err) {
      outcome = fix(err instanceof TargetError ? `${err.message}: ${err.hint}` : (err as Error).message);
    } finally {
      clearTimeout(timer);
    }
    const { ok: passed, ...rest } = outcome;
    return { subject: c.subject, what: c.what, ok: passed, ...rest };
  });
}

/** The reason of a failed connection in a few words (ECONNREFUSED, a timeout...), for a fix's first half. */
export function reason(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const message = (e.cause?.message ?? e.message ?? String(err)).split('\n')[0];
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** Whether an error is "nothing answers there" rather than a refusal by something that answered. */
export function unanswered(err: unknown): boolean {
  return /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|timed? ?out|within \d+ ms|fetch failed/i.test(
    reason(err),
  );
}
