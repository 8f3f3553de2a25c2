import type { Services } from '../engine/action.js';
import type { Diagnosis } from '../dns/check.js';
import { runPreflight, type Challenge } from './preflight.js';

/** The daemon's parts the preflight reads (and nothing it could change a site with). */
export type DiagnoseParts = Pick<Services, 'config' | 'store' | 'target' | 'nginx' | 'dns' | 'certificates'>;

/**
 * Runs the preflight with the daemon's parts: its resolvers, its CAs' CAA identities
 * and accounts, the failure budget in the store, the configured DNS providers, and the
 * web server whose addresses and challenge folder the names must reach.
 */
export async function diagnose(
  services: DiagnoseParts,
  req: { domains: string[]; challenge: Challenge; webserver?: string },
): Promise<Diagnosis> {
  const ctx = services.certificates;
  const wsConfig = req.webserver ? services.nginx.all[req.webserver] : undefined;
  const webserver =
    wsConfig && req.webserver
      ? { name: req.webserver, config: wsConfig, target: services.target(wsConfig.target) }
      : undefined;
  return runPreflight(
    { domains: req.domains, challenge: req.challenge, webserver },
    {
      config: services.config,
      dns: services.dns,
      cas: await ctx.accounts.identities(),
      certificates: services.store.certificates,
      providers: ctx.providers,
    },
  );
}

/** The web server to check against when none is named: the only one configured, if there is exactly one. */
export function defaultWebserver(services: Pick<Services, 'nginx'>): string | undefined {
  const names = Object.keys(services.nginx.all);
  return names.length === 1 ? names[0] : undefined;
}
