import { z } from 'zod';

// How serein asks DNS (resolvers, nameservers, vantage points) and the DNS hosts it may write to.

/** A DNS zone name as the config writes it: lower case, no final dot. */
const zoneName = z
  .string()
  .regex(/^(?!-)[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})+$/, 'a zone name such as example.com (lower case, no final dot)');

/** One DNS host serein may write to, and the zones it holds there. */
const dnsProvider = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('rfc2136'),
      zones: z.array(zoneName).min(1).describe('zones this server takes updates for'),
      server: z.string().min(1).describe('the primary server: ip or ip:port ([v6]:port)'),
      keyName: z.string().min(1).describe('the TSIG key name, as in the server config'),
      keyAlgorithm: z.enum(['hmac-sha256', 'hmac-sha384', 'hmac-sha512']).default('hmac-sha256'),
      keySecret: z.base64().min(1).describe('the TSIG secret (base64, as tsig-keygen prints it)'),
    })
    .strict(),
  z
    .object({
      type: z.literal('powerdns'),
      zones: z.array(zoneName).min(1).describe('zones on this PowerDNS'),
      apiUrl: z.url().describe('the PowerDNS webserver, e.g. http://127.0.0.1:8081'),
      apiKey: z.string().min(1),
      serverId: z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/)
        .default('localhost'),
    })
    .strict(),
  z
    .object({
      type: z.literal('cloudflare'),
      zones: z
        .array(zoneName)
        .min(1)
        .optional()
        .describe('zones to use Cloudflare for; absent: any zone the token sees'),
      apiToken: z.string().min(1),
      baseUrl: z.url().optional(),
    })
    .strict(),
]);

/** The `dns` section: the resolvers asked, how long to wait, and the DNS hosts serein writes to (dns-01 proofs, dns.fix). */
export const dnsSchema = z
  .object({
    resolvers: z.array(z.string()).default([]).describe('recursive resolvers (ip or ip:port); empty: the system ones'),
    authoritative: z
      .array(z.string())
      .default([])
      .describe('servers (ip or ip:port) asked as authoritative when NS lookups give none (split horizon, test labs)'),
    timeoutMs: z.number().int().min(100).max(30000).default(2500),
    nameserverPort: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(53)
      .describe('the port the nameservers named in NS records are asked on (53; a test lab sets another)'),
    vantagePoints: z
      .array(z.object({ name: z.string().min(1).max(64), resolvers: z.array(z.string()).min(1) }).strict())
      .default([])
      .describe(
        'other places the preflight looks from, each with its own resolvers (as a CA checks from several networks); see the README for the quorum',
      ),
    propagationTimeoutSeconds: z
      .number()
      .int()
      .min(5)
      .max(3600)
      .default(180)
      .describe('longest wait for a TXT record to reach every nameserver'),
    extraSuffixes: z
      .array(z.string().regex(/^[a-z0-9.-]+$/))
      .default([])
      .describe('suffixes accepted as public suffixes besides the PSL (e.g. "test" for a lab); default none'),
    cloudflare: z
      .object({ apiToken: z.string().min(1), baseUrl: z.url().optional() })
      .strict()
      .optional(),
    providers: z
      .array(dnsProvider)
      .default([])
      .describe('DNS hosts serein writes to (dns-01 proofs, dns.fix), chosen per zone'),
    delegationZone: zoneName
      .optional()
      .describe(
        'a name in a zone a provider above updates; clients without a DNS API delegate _acme-challenge.<name> there with a CNAME to <name>.<delegationZone>',
      ),
  })
  .strict()
  .default({
    resolvers: [],
    authoritative: [],
    timeoutMs: 2500,
    nameserverPort: 53,
    vantagePoints: [],
    propagationTimeoutSeconds: 180,
    extraSuffixes: [],
    providers: [],
  });
