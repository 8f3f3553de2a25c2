import type { Services } from '../engine/action.js';
import { CloudflareDns } from '../dns/cloudflare.js';
import { DnsClient } from '../dns/resolver.js';
import { AcmeAccounts } from './account.js';
import { Semaphore } from '../util/concurrency.js';

/** The per-daemon parts certificate operations share: accounts, the order pool, DNS access. */
export interface CertificateContext {
  accounts: AcmeAccounts;
  /** At most `acme.concurrency` orders at once, whatever the number of jobs. */
  pool: Semaphore;
  dns: DnsClient;
  /** null when no Cloudflare token is configured. */
  cloudflare: CloudflareDns | null;
}

/** Builds (once per daemon, through services.shared) what certificate operations need; closed with the daemon. */
export function certificateContext(services: Services): CertificateContext {
  const c = services.config;
  return services.shared(
    'certificates:context',
    () => ({
      accounts: new AcmeAccounts(c, services.store.certificates, services.logger),
      pool: new Semaphore(c.acme.concurrency),
      dns: new DnsClient(c.dns.resolvers, c.dns.timeoutMs),
      cloudflare: c.dns.cloudflare ? new CloudflareDns({ apiToken: c.dns.cloudflare.apiToken, baseUrl: c.dns.cloudflare.baseUrl }) : null,
    }),
    (ctx) => ctx.accounts.close(),
  );
}
