import type { Config } from '../config/schema.js';
import { CloudflareDns, CloudflareProvider } from './cloudflare.js';
import { PowerDnsProvider } from './powerdns.js';
import { DnsProviders, type DnsProvider } from './provider.js';
import { Rfc2136Provider } from './rfc2136.js';

/**
 * The DNS providers the config names (`dns.providers`, then the older `dns.cloudflare`
 * key, which means Cloudflare for any zone its token sees), built once by the
 * composition root. `cloudflare` is the Cloudflare client of `dns.cloudflare`, if any.
 */
export function buildDnsProviders(dns: Config['dns']): { providers: DnsProviders; cloudflare: CloudflareDns | null } {
  const list: DnsProvider[] = [];
  const timeoutMs = Math.max(dns.timeoutMs, 5000);
  for (const p of dns.providers) {
    if (p.type === 'rfc2136') {
      list.push(
        new Rfc2136Provider({
          server: p.server,
          key: { name: p.keyName, algorithm: p.keyAlgorithm, secret: p.keySecret },
          zones: p.zones,
          timeoutMs,
        }),
      );
    } else if (p.type === 'powerdns') {
      list.push(new PowerDnsProvider({ apiUrl: p.apiUrl, apiKey: p.apiKey, serverId: p.serverId, zones: p.zones }));
    } else {
      list.push(
        new CloudflareProvider(new CloudflareDns({ apiToken: p.apiToken, baseUrl: p.baseUrl }), p.apiToken, p.zones),
      );
    }
  }
  const cloudflare = dns.cloudflare
    ? new CloudflareDns({ apiToken: dns.cloudflare.apiToken, baseUrl: dns.cloudflare.baseUrl })
    : null;
  if (cloudflare && dns.cloudflare) list.push(new CloudflareProvider(cloudflare, dns.cloudflare.apiToken));
  return { providers: new DnsProviders(list), cloudflare };
}
