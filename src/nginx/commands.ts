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

/**
 * The worker processes still accepting connections (their title is "nginx: worker
 * process", not "... is shutting down"), read from /proc on the target through the
 * master's pid file. Empty when the webserver has no pidFile or /proc cannot be read.
 */
export async function acceptingWorkers(target: Target, ws: WebserverConfig): Promise<number[]> {
  if (!ws.pidFile) return [];
  try {
    const master = Number((await target.readFile(ws.pidFile))?.toString('utf8').trim());
    if (!Number.isInteger(master) || master <= 0) return [];
    const children = (await target.readFile(`/proc/${master}/task/${master}/children`))?.toString('utf8').trim().split(/\s+/).filter(Boolean).map(Number) ?? [];
    const out: number[] = [];
    for (const pid of children) if (await isAcceptingWorker(target, pid)) out.push(pid);
    return out;
  } catch {
    return [];
  }
}

async function isAcceptingWorker(target: Target, pid: number): Promise<boolean> {
  const cmdline = (await target.readFile(`/proc/${pid}/cmdline`).catch(() => undefined))?.toString('utf8').replace(/\0/g, ' ') ?? '';
  return cmdline.includes('worker process') && !cmdline.includes('shutting down');
}

/**
 * After a reload, waits (short backoff, bounded) until none of the workers that ran the
 * old configuration accepts connections any more. nginx starts the new workers before
 * telling the old ones to stop, so for a moment both answer: a probe that saw the new
 * configuration does not prove the next request will. Returns false on timeout.
 */
export async function waitOldWorkersStopped(target: Target, old: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  // nginx lets the old workers accept for 100 ms after a reload, then they stop within
  // milliseconds: a short, flat poll catches that moment instead of overshooting it.
  let delay = 5;
  let left = old;
  for (;;) {
    const still: number[] = [];
    for (const pid of left) if (await isAcceptingWorker(target, pid)) still.push(pid);
    left = still;
    if (left.length === 0) return true;
    if (Date.now() + delay > deadline) return false;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 20);
  }
}
