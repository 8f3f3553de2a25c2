import type { NginxFleet } from './fleet.js';
import { BACKUP_SUFFIX, safeApplyNginx, type PreviousFile } from './apply.js';

/**
 * Puts files back as they were before a change (their previous content, or removes new
 * ones) through safeApplyNginx, unless they already are (safeApplyNginx restored them
 * itself when the change failed): the undo path of every operation that changed nginx.
 * The copies that change kept of what it undid (`.serein-bak`) go once it is live: they hold
 * a version the undo refused, and a new site's or a first certificate's would outlive it.
 */
export async function restoreFiles(
  fleet: NginxFleet,
  webserver: string,
  previous: PreviousFile[],
  log?: (m: string) => void,
): Promise<void> {
  if (!previous.length) return;
  const target = fleet.target(webserver);
  let same = true;
  for (const f of previous) if (((await target.readFile(f.path))?.toString('utf8') ?? null) !== f.content) same = false;
  if (same) return;
  await safeApplyNginx(
    fleet,
    webserver,
    previous.map((f) => ({ path: f.path, content: f.content, mode: f.mode })),
    [],
    { log },
  );
  for (const f of previous) await target.remove(f.path + BACKUP_SUFFIX);
}
