import { Cron } from 'croner';
import { z } from 'zod';
import { DEFAULT_LIMITS, DEFAULT_QUOTAS, limitsSchema, quotasSchema } from './limits.js';

// Limits and quotas (what one address, token or tenant may ask or have) live in ./limits.ts.
export { limitsSchema, quotasSchema } from './limits.js';
import { DEFAULT_TRASH, DEFAULT_USAGE, trashSchema, usageSchema } from './trash.js';

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'a lower-case name: letters, digits and dashes, starting with a letter');
const port = z.number().int().min(1).max(65535);
const sha256Fingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "an SSH host key fingerprint as 'ssh-keygen -lf' prints it, e.g. SHA256:abc...");

/** Where operations run. One name per machine or container. */
export const targetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('local') }).strict(),
  z
    .object({
      type: z.literal('ssh'),
      host: z.string().min(1),
      port: port.default(22),
      username: z.string().min(1).default('root'),
      privateKeyPath: z.string().min(1),
      hostKeySha256: sha256Fingerprint,
      maxConcurrency: z.number().int().min(1).max(64).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('docker'),
      socketPath: z.string().min(1),
      container: z.string().min(1),
      maxConcurrency: z.number().int().min(1).max(64).optional(),
    })
    .strict(),
]);

const portRange = z
  .string()
  .regex(/^[0-9]{1,5}-[0-9]{1,5}$/, 'a port range such as "1024-65535"')
  .refine((r) => {
    const [a, b] = r.split('-').map(Number);
    return a >= 1 && a <= b && b <= 65535;
  }, 'a port range from low to high, within 1-65535');

/**
 * Where a client's site may forward visitors (vhost.create `upstream`); admins are not
 * limited. Default ports: the web ports and the unprivileged ones, where applications
 * listen; ports below 1024 are system services (SSH, SMTP, DNS...), never a site's backend.
 */
export const clientUpstreamsSchema = z
  .object({
    networks: z
      .array(z.cidrv4().or(z.cidrv6()))
      .default([])
      .describe('networks clients may forward to, even private ones (e.g. 10.20.0.0/16)'),
    public: z
      .boolean()
      .default(true)
      .describe('any public address is allowed too (never loopback, private, link-local or our own web servers)'),
    ports: z.array(port.or(portRange)).default([80, 443, '1024-65535']).describe('ports clients may forward to'),
  })
  .strict();

/** An nginx instance that serein may change, and how to test and reload it. */
export const webserverSchema = z
  .object({
    target: name,
    vhostDir: z.string().startsWith('/', 'an absolute path'),
    nginx: z.array(z.string()).min(1).default(['nginx']).describe('argv that runs nginx; -t or -s reload are appended'),
    reload: z.array(z.string()).min(1).optional().describe('argv that reloads nginx; default: nginx argv + -s reload'),
    webRoot: z.string().startsWith('/', 'an absolute path').describe('folder under which site folders are created'),
    logDir: z.string().startsWith('/', 'an absolute path'),
    certDir: z.string().startsWith('/', 'an absolute path'),
    challengeRoot: z
      .string()
      .startsWith('/', 'an absolute path')
      .describe('served at /.well-known/acme-challenge/ for every name'),
    httpPort: port.default(80),
    httpsPort: port.default(443),
    listen: z.array(z.string()).min(1).default(['0.0.0.0', '[::]']).describe('addresses nginx listens on'),
    publicAddresses: z.array(z.ipv4().or(z.ipv6())).default([]).describe('the addresses DNS must point to'),
    probeAddress: z.string().default('127.0.0.1').describe('address serein uses to probe the vhost'),
    template: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a file name in the playbooks templates folder')
      .default('vhost.conf.tmpl')
      .describe('vhost template, in <playbooks>/templates/'),
    siteOwner: z
      .string()
      .optional()
      .describe("'user' or 'user:group' owning new site folders; default: left as created"),
    batchWindowMs: z
      .number()
      .int()
      .min(0)
      .max(5000)
      .default(0)
      .describe(
        'wait this long for more changes before testing and reloading; 0: start at once, changes arriving meanwhile share the next nginx -t and reload',
      ),
    probeTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .default(10_000)
      .describe('how long a reloaded vhost has to answer its probe'),
    clientUpstreams: clientUpstreamsSchema.default({ networks: [], public: true, ports: [80, 443, '1024-65535'] }),
    pidFile: z
      .string()
      .startsWith('/', 'an absolute path')
      .optional()
      .describe(
        "nginx master's pid file: after a reload, serein retires the old workers as soon as the new ones run (rather than after nginx's fixed 100 ms), so nobody is served the old configuration once a job is done",
      ),
  })
  .strict();

/** A database server serein creates databases on. */
export const databaseServerSchema = z
  .object({
    engine: z.enum(['mariadb', 'postgres']),
    host: z.string().min(1).default('127.0.0.1'),
    port: port.optional(),
    user: z.string().min(1),
    password: z.string().optional(),
    passwordFile: z.string().optional(),
    via: z
      .enum(['driver', 'client'])
      .default('driver')
      .describe('driver connection, or the server client on the target'),
    target: name.optional(),
    allowedHosts: z
      .array(z.string())
      .default(['localhost', '127.0.0.1'])
      .describe('MariaDB hosts the new user may connect from'),
    client: z
      .array(z.string())
      .min(1)
      .optional()
      .describe("argv of the server's client on the target (via: client); default mariadb or psql"),
    adminDatabase: z.string().optional().describe('PostgreSQL database the admin connects to (default postgres)'),
    maxPerTenant: z.number().int().min(0).optional().describe('most databases one tenant may have on this server'),
  })
  .strict();

/** A CA profile's name as the ACME profiles draft advertises it (classic, tlsserver, shortlived...). */
export const profileName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a profile name in lower case, such as shortlived');

/** One certificate authority, tried in the order listed. */
export const caSchema = z
  .object({
    name,
    directoryUrl: z.url(),
    caBundle: z.string().optional().describe('PEM file trusted for this CA (private CAs, tests)'),
    eab: z
      .object({ kid: z.string().min(1), hmacKey: z.string().min(1) })
      .strict()
      .optional(),
    profile: profileName
      .optional()
      .describe(
        "the profile ordered at this CA when a site names none (Let's Encrypt: classic, tlsserver, shortlived); a CA that advertises no profiles is sent none, with a warning in the job log",
      ),
    caaIdentities: z
      .array(z.string().min(1))
      .optional()
      .describe('domains this CA accepts in CAA "issue" records; default: the directory meta caaIdentities'),
  })
  .strict();

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

const cssColor = z.string().regex(/^#[0-9a-fA-F]{3,8}$/, 'a colour as #rgb or #rrggbb');

/**
 * The provider's own client page: its name, logo (a PNG or SVG file, sent inline so the
 * page loads nothing from elsewhere), colours, how to reach support, and where a client
 * who lost the token goes.
 */
const brandingSchema = z
  .object({
    name: z.string().min(1).max(80).default('serein'),
    logo: z
      .string()
      .min(1)
      .optional()
      .describe("a .png or .svg file (absolute, or relative to the daemon's working folder); at most 64 KiB"),
    colors: z
      .object({ accent: cssColor.optional(), accentDark: cssColor.optional(), background: cssColor.optional() })
      .strict()
      .default({}),
    support: z
      .object({ email: z.email().optional(), phone: z.string().max(40).optional(), url: z.url().optional() })
      .strict()
      .default({}),
    lostToken: z
      .string()
      .regex(/^(https:\/\/|mailto:)/, 'an https:// or mailto: address')
      .optional()
      .describe('where a client who lost the access token asks for a new one'),
  })
  .strict();

/**
 * How serein emails clients when something needs them (a renewal their DNS blocks, a
 * request stuck with the provider): the provider's own SMTP server, and the page the
 * emails link to. Without it, nobody is emailed; admins still get every alert.
 */
export const mailSchema = z
  .object({
    host: z.string().min(1).describe('the SMTP server serein sends through'),
    port: port.default(587),
    secure: z
      .boolean()
      .default(false)
      .describe('TLS from the first byte (port 465); false: STARTTLS when the server offers it'),
    auth: z
      .object({
        user: z.string().min(1),
        password: z.string().min(1).optional(),
        passwordFile: z.string().min(1).optional(),
      })
      .strict()
      .refine((a) => !(a.password && a.passwordFile), 'either password or passwordFile, not both')
      .optional(),
    from: z.string().min(3).describe('the sender clients see, e.g. "Example Hosting <support@example.net>"'),
    pageUrl: z.url().describe("the client page's public address, linked from every email"),
    timeoutMs: z.number().int().min(1000).max(120_000).default(15_000).describe('longest wait for the SMTP server'),
  })
  .strict();

/** Whether a cron pattern is one croner accepts (the drift watch's schedule). */
function isCron(p: string): boolean {
  try {
    new Cron(p, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: port.or(z.literal(0)).default(8080),
        trustProxy: z
          .union([z.boolean(), z.array(z.string().min(1))])
          .default(false)
          .describe(
            'reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs): limits per client address need the real one',
          ),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080, trustProxy: false }),
    store: z
      .discriminatedUnion('driver', [
        z.object({ driver: z.literal('sqlite'), path: z.string().min(1) }).strict(),
        z.object({ driver: z.literal('postgres'), url: z.string().min(1) }).strict(),
      ])
      .default({ driver: 'sqlite', path: 'var/serein.db' }),
    stateDir: z.string().default('var').describe('the seal key and ACME account keys (0600)'),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    language: z.enum(['en', 'fr']).default('en'),
    branding: brandingSchema
      .default({ name: 'serein', colors: {}, support: {} })
      .describe("the client page's name, logo, colours and contacts"),
    playbooks: z.string().default('playbooks'),
    plugins: z
      .array(z.string().min(1))
      .default([])
      .describe('modules adding resource kinds and actions (src/plugins.ts); relative to this file'),
    // Jobs mostly wait (on nginx's test and reload, a probe, a CA), and one nginx reload
    // carries every change queued for it: at 4 per target, 100 vhosts at once took 22 s;
    // at 64 per target, 5 s (bench/vhost.bench.ts, README "Performance"). Certificate jobs
    // have no target: at 32 at once, 200 of them waited in line for 9 reloads of ~26
    // installs (26 s); at 128, 3 reloads (11 s).
    workers: z
      .object({
        concurrency: z.number().int().min(1).max(256).default(128),
        perTarget: z.number().int().min(1).max(64).default(16),
      })
      .strict()
      .default({ concurrency: 128, perTarget: 16 }),
    targets: z.record(name, targetSchema).default({ local: { type: 'local' } }),
    webservers: z.record(name, webserverSchema).default({}),
    databases: z.record(name, databaseServerSchema).default({}),
    acme: z
      .object({
        email: z.email().optional(),
        cas: z.array(caSchema).default([]),
        keyType: z.enum(['ecdsa-p256', 'rsa-2048', 'rsa-4096']).default('ecdsa-p256'),
        // As many orders at once as the acme-client loop the bench compares with; each is ~0.3 s of waiting on the CA.
        concurrency: z.number().int().min(1).max(64).default(16),
        failureBudget: z
          .object({ failures: z.number().int().min(1).default(5), windowMinutes: z.number().int().min(1).default(60) })
          .strict()
          .default({ failures: 5, windowMinutes: 60 })
          .describe("failed validations allowed per name and CA in the window (Let's Encrypt: 5 per hour)"),
        orderTimeoutSeconds: z.number().int().min(5).max(3600).default(180).describe('longest wait for one order'),
        clientProfiles: z
          .array(profileName)
          .default([])
          .describe(
            "the CA profiles a client may choose for its site (certificate.issue's profile), among those the CA offers; empty: only admins choose, clients get the CA's profile",
          ),
      })
      .strict()
      .default({
        cas: [],
        keyType: 'ecdsa-p256',
        concurrency: 16,
        failureBudget: { failures: 5, windowMinutes: 60 },
        orderTimeoutSeconds: 180,
        clientProfiles: [],
      }),
    dns: z
      .object({
        resolvers: z
          .array(z.string())
          .default([])
          .describe('recursive resolvers (ip or ip:port); empty: the system ones'),
        authoritative: z
          .array(z.string())
          .default([])
          .describe(
            'servers (ip or ip:port) asked as authoritative when NS lookups give none (split horizon, test labs)',
          ),
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
      }),
    renewal: z
      .object({
        schedule: z
          .string()
          .default('17 */6 * * *')
          .refine((p) => {
            try {
              new Cron(p, { paused: true }).stop();
              return true;
            } catch {
              return false;
            }
          }, 'a cron pattern such as "17 */6 * * *" (minute hour day month weekday)'),
        enabled: z.boolean().default(true),
        jitterMinutes: z
          .number()
          .int()
          .min(0)
          .max(1440)
          .default(60)
          .describe('random delay added to computed renewal times'),
        retryMinutes: z
          .array(z.number().int().min(1))
          .min(1)
          .default([1, 10, 100, 1440])
          .describe('wait after the 1st, 2nd, 3rd... failed renewal; the last value repeats'),
        ariPollHours: z.number().min(1).max(48).default(12).describe('how often renewalInfo is asked again'),
      })
      .strict()
      .default({
        schedule: '17 */6 * * *',
        enabled: true,
        jitterMinutes: 60,
        retryMinutes: [1, 10, 100, 1440],
        ariPollHours: 12,
      }),
    alerts: z
      .object({
        webhooks: z.array(z.url()).default([]),
        emails: z
          .array(z.email())
          .default([])
          .describe("admins' addresses that escalations are emailed to (through the `mail` SMTP server)"),
      })
      .strict()
      .default({ webhooks: [], emails: [] }),
    escalations: z
      .object({
        failures: z
          .number()
          .int()
          .min(2)
          .max(50)
          .default(3)
          .describe('failed runs of one operation by one tenant that open an escalation'),
        windowMinutes: z.number().int().min(1).max(10_080).default(60).describe('within how long those failures count'),
        unresolvedMinutes: z
          .number()
          .int()
          .min(1)
          .max(43_200)
          .default(240)
          .describe('a failure with no success after it for this long opens an escalation'),
        sweepMinutes: z
          .number()
          .int()
          .min(1)
          .max(1440)
          .default(15)
          .describe('how often failures without a later success are looked for'),
        reminders: z
          .object({
            enabled: z.boolean().default(true),
            afterMinutes: z
              .number()
              .int()
              .min(1)
              .max(10_080)
              .default(60)
              .describe('an escalation nobody took reminds admins after this long'),
            againMinutes: z
              .number()
              .int()
              .min(1)
              .max(10_080)
              .default(180)
              .describe('then, this long after the first reminder, through the other channel'),
            first: z
              .enum(['webhook', 'email'])
              .default('webhook')
              .describe(
                "the first reminder goes to the webhooks (and the admin feed) or to the admins' emails; the second to the other",
              ),
          })
          .strict()
          .default({ enabled: true, afterMinutes: 60, againMinutes: 180, first: 'webhook' }),
      })
      .strict()
      .default({
        failures: 3,
        windowMinutes: 60,
        unresolvedMinutes: 240,
        sweepMinutes: 15,
        reminders: { enabled: true, afterMinutes: 60, againMinutes: 180, first: 'webhook' },
      }),
    drift: z
      .object({
        enabled: z.boolean().default(true),
        schedule: z
          .string()
          .default('41 5 * * *')
          .refine(isCron, 'a cron pattern such as "41 5 * * *" (minute hour day month weekday)'),
        concurrency: z.number().int().min(1).max(64).default(4).describe('certificates checked at once'),
        escalateAfterHours: z
          .number()
          .int()
          .min(1)
          .max(2160)
          .default(72)
          .describe('a problem the client has not fixed after this long opens an escalation'),
      })
      .strict()
      .default({ enabled: true, schedule: '41 5 * * *', concurrency: 4, escalateAfterHours: 72 }),
    mail: mailSchema.optional().describe('emails to clients when something needs them; absent: none are sent'),
    limits: limitsSchema.default(DEFAULT_LIMITS),
    quotas: quotasSchema.default(DEFAULT_QUOTAS),
    trash: trashSchema
      .default(DEFAULT_TRASH)
      .describe('copies of deleted databases and site files, restorable for keepDays'),
    usage: usageSchema
      .default(DEFAULT_USAGE)
      .describe('disk space used by each site and database, measured in the background'),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type WebserverConfig = z.output<typeof webserverSchema>;
export type DatabaseServerConfig = z.output<typeof databaseServerSchema>;
export type CaConfig = z.output<typeof caSchema>;
export type MailConfig = z.output<typeof mailSchema>;
