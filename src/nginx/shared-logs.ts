import { posix } from 'node:path';
import type { WebserverConfig } from '../config/schema.js';
import type { Target } from '../targets/target.js';
import type { NginxOutcome } from './commands.js';
import { restoreChange, writeChange, type NginxFileChange, type PreviousFile } from './apply-files.js';

/**
 * The access log format of the shared logs (a web server's `sharedLogs`): nginx's
 * `combined` with the site's primary name first ($server_name is a server block's first
 * name), so one file serves every site and each line still says whose it is.
 */
export const SHARED_LOG_FORMAT = 'serein_site';

/**
 * The snippet defining SHARED_LOG_FORMAT, in the sites' folder: nginx reads a format before
 * any `access_log` naming it, and it includes a folder's files in name order, so the name
 * starts with `+`, below every site's (a domain name starts with a letter or a digit).
 */
export function sharedLogsSnippet(ws: WebserverConfig): NginxFileChange {
  const content = [
    "# Managed by serein: the format of the sites' shared access log (sharedLogs), the site's name first.",
    '# Kept by serein; do not edit.',
    `log_format ${SHARED_LOG_FORMAT} '$server_name $remote_addr - $remote_user [$time_local] "$request" '`,
    `    '$status $body_bytes_sent "$http_referer" "$http_user_agent"';`,
    '',
  ].join('\n');
  return { path: posix.join(ws.vhostDir, '+serein-shared-logs.conf'), content, mode: 0o644 };
}

/** The shared pair of logs; `_` keeps them apart from any site's (no domain name holds one). */
export function sharedLogPaths(ws: WebserverConfig): { accessLog: string; errorLog: string } {
  return { accessLog: posix.join(ws.logDir, '_sites.access.log'), errorLog: posix.join(ws.logDir, '_sites.error.log') };
}

/** A site's own pair of logs, without sharedLogs. */
export function ownLogPaths(ws: WebserverConfig, primary: string): { accessLog: string; errorLog: string } {
  return {
    accessLog: posix.join(ws.logDir, `${primary}.access.log`),
    errorLog: posix.join(ws.logDir, `${primary}.error.log`),
  };
}

/**
 * The logs a site is rendered with: the shared pair with sharedLogs; otherwise the ones its
 * record names, unless those are the shared pair (the option switched off again: the site
 * gets its own pair back at its next rendering).
 */
export function siteLogPaths(
  ws: WebserverConfig,
  d: { primary: string; accessLog?: string; errorLog?: string },
): { accessLog: string; errorLog: string } {
  const shared = sharedLogPaths(ws);
  if (ws.sharedLogs) return shared;
  if (!d.accessLog || !d.errorLog || d.accessLog === shared.accessLog) return ownLogPaths(ws, d.primary);
  return { accessLog: d.accessLog, errorLog: d.errorLog };
}

/**
 * Before a batch of a web server with sharedLogs: the snippet defining the format put in
 * place when missing or changed, and checked by the full `nginx -t` (a shared file: the cheap
 * check cannot judge it), so that a site naming the format is never checked or loaded
 * without it. Left in place afterwards, whatever the batch's outcome: it only defines a
 * format, which a site switched back to its own logs no longer names. Returns nginx's refusal
 * (the previous snippet, if any, back in place), or undefined when the snippet is in place.
 */
export async function ensureSharedLogsSnippet(
  target: Target,
  ws: WebserverConfig,
  test: () => Promise<NginxOutcome>,
): Promise<NginxOutcome | undefined> {
  const snippet = sharedLogsSnippet(ws);
  const now = (await target.readFile(snippet.path))?.toString('utf8') ?? null;
  if (now === snippet.content) return undefined;
  const previous: PreviousFile[] = [{ path: snippet.path, mode: snippet.mode, content: now }];
  await writeChange(target, [snippet], previous);
  const tested = await test().catch((err: unknown): NginxOutcome => ({
    ok: false,
    output: `nginx -t could not be run: ${String(err)}`,
  }));
  if (tested.ok) return undefined;
  await restoreChange(target, previous);
  return tested;
}
