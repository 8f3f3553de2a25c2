import type { WebserverConfig } from '../config/schema.js';
import type { Target } from '../targets/target.js';

/** What nginx said when asked to test or reload: ok, and its own words. */
export interface NginxOutcome { ok: boolean; output: string }

const outcome = (r: { code: number; stdout: string; stderr: string }): NginxOutcome => ({
  ok: r.code === 0,
  output: [r.stderr.trim(), r.stdout.trim()].filter(Boolean).join('\n') || `exit code ${r.code}`,
});

/**
 * `nginx -t` with the webserver's own argv (prefix, config file...): the whole
 * configuration, every vhost included, must parse before anything is reloaded.
 */
export async function nginxTest(target: Target, ws: WebserverConfig): Promise<NginxOutcome> {
  return outcome(await target.run([...ws.nginx, '-t'], { timeoutMs: 60_000 }));
}

/**
 * Graceful reload: nginx starts new workers on the new configuration and lets the old
 * ones finish their requests, so nobody sees a dropped connection. It is asynchronous:
 * callers probe afterwards to know when the new configuration answers.
 */
export async function nginxReload(target: Target, ws: WebserverConfig): Promise<NginxOutcome> {
  return outcome(await target.run(ws.reload ?? [...ws.nginx, '-s', 'reload'], { timeoutMs: 60_000 }));
}
