import type { CloudflareDns } from '../dns/cloudflare.js';
import type { DnsProviders } from '../dns/provider.js';
import type { DnsClient } from '../dns/resolver.js';
import type { SealBox } from '../secrets.js';
import type { Semaphore } from '../util/concurrency.js';
import type { AcmeAccounts } from './account.js';

/**
 * The per-daemon parts certificate operations share: accounts, the order pool, DNS
 * access and the box that seals keys. Built once by the composition root (src/composition.ts).
 */
export interface CertificateContext {
  accounts: AcmeAccounts;
  /** At most `acme.concurrency` orders at once, whatever the number of jobs. */
  pool: Semaphore;
  dns: DnsClient;
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
