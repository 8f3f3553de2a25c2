import type { Services } from '../engine/action.js';
import { Mutex } from '../util/concurrency.js';

export { Mutex };

/**
 * The lock of one webserver's configuration, shared by every job of this daemon (jobs on
 * other daemons are already serialised per resource by the engine). Anything that writes
 * into that nginx's configuration outside safeApplyNginx must hold it.
 */
export function nginxLock(services: Services, webserver: string): Mutex {
  return services.shared(`nginx-lock:${webserver}`, () => new Mutex());
}
