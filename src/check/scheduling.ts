import type { Target } from '../targets/target.js';

// cron and at as a server with site users keeps them: every site's user named in their deny
// files (src/actions/site-user-access.ts writes them; `serein check` reads them).

/** The deny files of cron and at: a user named in them cannot use `crontab` or `at` (root neither, for it). */
export const SCHEDULER_DENY_FILES = ['/etc/cron.deny', '/etc/at.deny'];

/** The site users among `users` that a deny file does not name (for `serein check`). */
export async function notDenied(target: Target, users: string[]): Promise<string[]> {
  const named = await Promise.all(
    SCHEDULER_DENY_FILES.map(async (f) => new Set(((await target.readFile(f))?.toString('utf8') ?? '').split('\n'))),
  );
  return users.filter((u) => named.some((s) => !s.has(u)));
}
