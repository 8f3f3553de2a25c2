import type { CloudflareDns } from '../dns/cloudflare.js';
import type { DnsProviders } from '../dns/provider.js';
import type { SealBox } from '../secrets.js';
import type { Semaphore } from '../util/concurrency.js';
import type { AcmeAccounts } from './account.js';

/**
 * The per-daemon parts certificate operations share: accounts, the order pool, the DNS
 * hosts and the box that seals keys. Built once by the composition root (src/composition.ts);
 * the resolvers are the daemon's one DNS client, `services.dns`.
 */
export interface CertificateContext {
  accounts: AcmeAccounts;
  /** At most `acme.concurrency` orders at once, whatever the number of jobs. */
  pool: Semaphore;
  /** The client of `dns.cloudflare`; null when that key is not configured. */
  cloudflare: CloudflareDns | null;
  /** Every DNS host serein writes to (dns-01 proofs, dns.fix), chosen per zone. */
  providers: DnsProviders;
  /**
   * Seals certificate keys in the store with the daemon's seal key (`<stateDir>/seal.key`,
   * 0600): a copy of the database alone gives no private key.
   */
  seal: SealBox;
}
