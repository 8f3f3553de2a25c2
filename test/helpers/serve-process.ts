import { appendFileSync } from 'node:fs';
import { type serein } from './process.js';
import { until } from './until.js';
import { noteSecrets, noteSecretsIn, scanLogFile } from './secrets-scan.js';

/** One run of `serein serve` as a child process (see serein in ./process.ts). */
type ServeChild = ReturnType<typeof serein>;

/** The first start's banner line holding the admin token (shown once, by design). */
const ADMIN_TOKEN_LINE = /^.*admin token: .*$/gm;

/** This test file's log file for the secrets scan, chosen when the first log is kept (undefined outside a run). */
let scanLog: string | undefined | null = null;

/**
 * Waits until a `serein serve` child answers at url, for the process-based crash tests that
 * kill and restart it: the admin token is read from the first start's banner when `token` is
 * empty (and noted for the secrets scan), and returned for every later start.
 */
export async function serveReady(child: ServeChild, url: string, token: string): Promise<string> {
  const admin =
    token || (await until(async () => /admin token: (srn_a_\S+)/.exec(child.output())?.[1], 60_000, 'the admin token'));
  noteSecrets('admin token', admin);
  await until(
    async () =>
      child.exitCode !== null ? Promise.reject(new Error('exited')) : (await fetch(`${url}/healthz`)).ok || undefined,
    60_000,
    'the daemon to answer',
  );
  return admin;
}

/** Keeps a stopped or killed daemon's log lines for the secrets scan, without the banner that shows the admin token once by design. */
export function keepServeLog(child: ServeChild): void {
  if (scanLog === null) scanLog = scanLogFile();
  if (scanLog) appendFileSync(scanLog, child.output().replace(ADMIN_TOKEN_LINE, ''));
}

/**
 * One API call to a `serein serve` child, JSON in and out, as the crash tests make them: an
 * answer of 300 or more throws with its body, and every secret an answer holds is noted for the scan.
 */
export async function serveApi(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as any;
  noteSecretsIn(json);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
