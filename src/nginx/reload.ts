import type { WebserverConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Target } from '../targets/target.js';
import {
  acceptingWorkers,
  nginxReload,
  retireOldWorkers,
  retireOlderGenerations,
  type NginxOutcome,
} from './commands.js';

/** The web server a reload is for: where, which, and where to say what went slowly. */
interface Reloading {
  target: Target;
  ws: WebserverConfig;
  name: string;
  logger: Logger;
}

/**
 * Reloads, then (with a pidFile) retires the old workers, so nobody is served the old
 * configuration once a change is done. A master that started no worker on the new
 * configuration counts as a failed reload: nginx accepted the signal but kept the old one.
 * `old`: the workers accepting before the change, when the caller listed them already.
 */
export async function reloadVerified(r: Reloading, old?: number[]): Promise<NginxOutcome> {
  old ??= await acceptingWorkers(r.target, r.ws);
  const reloaded = await nginxReload(r.target, r.ws);
  if (!reloaded.ok || !old.length) return reloaded;
  const retired = await retireOldWorkers(r.target, r.ws, old, r.ws.probeTimeoutMs);
  if (retired === 'not-reloaded')
    return {
      ok: false,
      output: `nginx started no worker on the new configuration within ${r.ws.probeTimeoutMs} ms and kept the previous one; its error log says why (often: too many open files for its number of sites and logs)`,
    };
  if (retired === 'slow')
    r.logger.warn({ webserver: r.name, workers: old }, 'old nginx workers still accept connections after the reload');
  return reloaded;
}

/**
 * After a change's probes passed: no worker of an earlier configuration still accepts once the
 * change is called live (see retireOlderGenerations: a reload under way when serein signalled).
 */
export async function retireEarlierConfigurations(r: Reloading): Promise<void> {
  const retired = await retireOlderGenerations(r.target, r.ws, r.ws.probeTimeoutMs).catch(() => 'slow' as const);
  if (retired === 'slow')
    r.logger.warn({ webserver: r.name }, 'nginx workers of an earlier configuration still accept connections');
}
