import { readFile } from 'node:fs/promises';
import type { Config, DatabaseServerConfig } from '../config/schema.js';
import { AcmeClient } from '../acme/client.js';
import { DatabaseServers } from '../db/servers.js';
import { serverVersion } from '../db/provision.js';
import { buildDnsProviders } from '../dns/providers.js';
import type { DnsProvider } from '../dns/provider.js';
import { Rfc2136Provider } from '../dns/rfc2136.js';
import { OperationError } from '../errors.js';
import { SecretMasker } from '../secrets.js';
import { fix, ok, reason, skip, unanswered, type MachineCheck, type MachineDeps } from './finding.js';
import type { Probes } from './probe.js';
import { readableFile } from './local.js';

/** The service that usually runs each engine, for "start it" fixes. */
const SERVICE = { mariadb: 'mariadb', postgres: 'postgresql' } as const;

/** A refusal of the admin account (wrong user or password), as each engine says it. */
const AUTH =
  /access denied|password authentication failed|authentication failed|no pg_hba\.conf entry|role .* does not exist|ER_ACCESS_DENIED|28P01|28000|1045/i;

/**
 * A database server: its password file, its client program on the target (via: client),
 * then a real admin session (connect, authenticate, ask the version), as a job opens one.
 */
export function databaseChecks(
  deps: MachineDeps,
  probes: Probes,
  name: string,
  cfg: DatabaseServerConfig,
): MachineCheck[] {
  const subject = `database server ${name}`;
  const key = (k: string) => `databases.${name}.${k}`;
  const checks: MachineCheck[] = [];
  if (cfg.passwordFile) {
    const file = cfg.passwordFile;
    checks.push({
      subject,
      what: `admin password file ${file} (${key('passwordFile')})`,
      run: () => readableFile(file, key('passwordFile'), 'the admin password'),
    });
  }
  let client: (() => Promise<string>) | undefined;
  const prog = (cfg.client ?? [cfg.engine === 'mariadb' ? 'mariadb' : 'psql'])[0];
  if (cfg.via === 'client' && cfg.target) {
    const target = cfg.target;
    client = probes.ask(target, () => deps.target(target), { kind: 'bin', path: prog });
    const found = client;
    checks.push({
      subject,
      what: `client program ${prog} on ${target} (${key('client')})`,
      run: async () =>
        (await found()) === 'ok'
          ? ok()
          : fix(
              `${prog} is not found on ${target}: apt install ${cfg.engine === 'mariadb' ? 'mariadb-client' : 'postgresql-client'}, or set ${key('client')} to its full path`,
            ),
    });
  }
  const where = cfg.host.startsWith('/')
    ? cfg.host
    : `${cfg.host}:${cfg.port ?? (cfg.engine === 'mariadb' ? 3306 : 5432)}`;
  checks.push({
    subject,
    what: `connect to ${cfg.engine} at ${where} as ${cfg.user}${cfg.via === 'client' ? ` through ${prog} on ${cfg.target}` : ''}`,
    silent: `nothing answered at ${where} in time: check that ${cfg.engine} runs there (systemctl status ${SERVICE[cfg.engine]}), and ${key('host')} and ${key('port')}`,
    run: async () => {
      if (client && (await client()) !== 'ok') return skip('the client program is missing (said above)');
      if (cfg.passwordFile && !(await readableFile(cfg.passwordFile, '', '')).ok)
        return skip('the password file cannot be read (said above)');
      const secrets = new SecretMasker();
      const servers = new DatabaseServers({ databases: { [name]: cfg }, target: (t) => deps.target(t) });
      try {
        const session = await servers.open(name, secrets);
        try {
          const v = await serverVersion(session);
          return ok(`${v.flavor} ${v.major}.${v.minor}`);
        } finally {
          await session.close();
        }
      } catch (err) {
        const why = secrets.mask(err instanceof OperationError ? (err.detail ?? err.message) : reason(err));
        if (err instanceof OperationError && err.code === 'db_admin_password')
          return fix(`${why}: write the admin password in it, or set ${key('password')}`);
        if (AUTH.test(why))
          return fix(
            `${where} refused ${cfg.user} (${why.split('\n')[0]}): check ${key('user')} and its password (${cfg.passwordFile ? key('passwordFile') : key('password')})`,
          );
        if (unanswered(why))
          return fix(
            `nothing answers at ${where} (${why.split('\n')[0]}): start ${cfg.engine} (systemctl start ${SERVICE[cfg.engine]}), or fix ${key('host')} and ${key('port')}`,
          );
        return fix(`${why.split('\n')[0]}: check ${key('host')}, ${key('user')} and the server's log`);
      }
    },
  });
  return checks;
}

/** Where a provider's credential is set in the config, and what fixes a refusal of it. */
function credentialFix(p: DnsProvider, key: string, why: string): string {
  if (unanswered(why)) return `nothing answers (${why}): check ${key} and that this machine reaches ${p.label}`;
  if (p.kind === 'rfc2136')
    return `${why}: check ${key}.keyName and keySecret against the server's key, its update-policy for the zone, and both clocks (TSIG)`;
  if (p.kind === 'powerdns')
    return `${why}: check ${key}.apiKey (api-key in pdns.conf), ${key}.serverId and that the zone exists (pdnsutil list-all-zones)`;
  return `${why}: check the token (${key}): it must read the zone (Zone:Read) and edit its records (DNS:Edit)`;
}

/**
 * Each DNS provider's credential, with one cheap read that needs it: an empty signed
 * update (RFC 2136: checks the key, changes nothing), the zone through the API (PowerDNS,
 * Cloudflare), or a zone lookup for a Cloudflare token without zones.
 */
export function dnsChecks(config: Config): MachineCheck[] {
  const { providers } = buildDnsProviders(config.dns);
  return providers.list.map((p, i) => {
    const key = i < config.dns.providers.length ? `dns.providers[${i}]` : 'dns.cloudflare';
    const zone = p.zones?.[0];
    return {
      subject: `DNS provider ${p.label}`,
      what: zone ? `credential, reading the zone ${zone} (${key})` : `credential (${key})`,
      silent: `${p.label} did not answer in time: check ${key} and that this machine reaches it`,
      run: async () => {
        const secrets = new SecretMasker();
        for (const s of p.secrets) secrets.add(s);
        try {
          if (p instanceof Rfc2136Provider && zone) await p.update(zone, []);
          else if (zone) await p.read(zone, zone, 'TXT');
          else await p.findZone?.('serein-check.invalid');
          return ok();
        } catch (err) {
          return fix(credentialFix(p, key, secrets.mask(reason(err))));
        }
      },
    };
  });
}

/** Each CA's directory, fetched as the first order would fetch it (its own CA bundle trusted). */
export function caChecks(config: Config, names?: readonly string[], timeoutMs = 5000): MachineCheck[] {
  return config.acme.cas
    .map((ca, i) => ({ ca, i }))
    .filter(({ ca }) => !names || names.includes(ca.name))
    .flatMap(({ ca, i }) => {
      const key = `acme.cas[${i}]`;
      const checks: MachineCheck[] = [];
      if (ca.caBundle) {
        const bundle = ca.caBundle;
        checks.push({
          subject: `CA ${ca.name}`,
          what: `CA bundle ${bundle} (${key}.caBundle)`,
          run: () => readableFile(bundle, `${key}.caBundle`, "the CA's PEM certificate"),
        });
      }
      checks.push({
        subject: `CA ${ca.name}`,
        what: `directory ${ca.directoryUrl} (${key}.directoryUrl)`,
        silent: `${ca.directoryUrl} did not answer in time: check ${key}.directoryUrl and that this machine reaches it (curl -sS ${ca.directoryUrl})`,
        run: async () => {
          let client: AcmeClient | undefined;
          try {
            let bundle: Buffer | undefined;
            if (ca.caBundle) bundle = await readFile(ca.caBundle);
            client = new AcmeClient({ directoryUrl: ca.directoryUrl, caBundle: bundle, requestTimeoutMs: timeoutMs });
            const dir = await client.directory();
            if (!dir.newOrder)
              return fix(`${ca.directoryUrl} answered, but not with an ACME directory: check ${key}.directoryUrl`);
            return ok();
          } catch (err) {
            return fix(
              `${ca.directoryUrl} does not answer (${reason(err)}): check ${key}.directoryUrl, that this machine reaches it (curl -sS ${ca.directoryUrl})${ca.caBundle ? ` and ${key}.caBundle` : ''}`,
            );
          } finally {
            client?.close();
          }
        },
      });
      return checks;
    });
}
