import { Alerter } from './alerts.js';
import { AcmeAccounts } from './certificates/account.js';
import type { CertificateContext } from './certificates/context.js';
import type { Config } from './config/schema.js';
import { DatabaseServers } from './db/servers.js';
import { buildDnsProviders } from './dns/providers.js';
import { DnsClient } from './dns/resolver.js';
import type { Services } from './engine/action.js';
import type { Logger } from './log.js';
import { NginxFleet } from './nginx/fleet.js';
import { SmtpMailer } from './notify/mailer.js';
import { ClientNotices } from './notify/notices.js';
import { Outbox } from './notify/outbox.js';
import type { SealBox } from './secrets.js';
import type { Store } from './store/store.js';
import type { Target } from './targets/target.js';
import type { RaiseAlert } from './alerts.js';
import { Semaphore } from './util/concurrency.js';
import { Escalations } from './watch/escalations.js';

/**
 * Everything the engine lends to actions and background services, in one list: each part
 * is built once below (buildServices) and handed to the engine. Declared here rather than
 * in the engine so that the engine imports none of the feature components. A component
 * takes only the parts it uses (`Pick<Services, 'store' | 'nginx'>`, or its own deps such
 * as PreflightDeps), so what it can reach is read from its signature.
 */
declare module './engine/action.js' {
  interface Services {
    readonly config: Config;
    /** Jobs, tenants, tokens, certificates, escalations...: SQLite or PostgreSQL. */
    readonly store: Store;
    /** The machine or container a configured target name stands for. */
    target(name: string): Target;
    readonly logger: Logger;
    /** Tells admins about something they must act on (webhook + admin feed), and the client of the site by email. */
    readonly alert: RaiseAlert;
    /** The nginx web servers, each with its one applier and lock. */
    readonly nginx: NginxFleet;
    /** The database servers and how to open an admin session on each. */
    readonly databases: DatabaseServers;
    /** ACME accounts, the order pool, the DNS hosts serein writes to and the key seal box. */
    readonly certificates: CertificateContext;
    /** The daemon's DNS resolvers, as the CA and the preflight see names (the one client: certificates use it too). */
    readonly dns: DnsClient;
    /** Stuck clients handed to a human, and every problem's conversation with the client: signals in, one per tenant and problem out. */
    readonly escalations: Escalations;
  }
}

/**
 * Builds the daemon's components once; `close` releases what they hold (ACME connections,
 * the outbox's sender). `alert` defaults to the admin feed and webhooks; the CLI and tests
 * may pass their own. `start` starts the outbox's sender: the daemon calls it, the CLI
 * does not (its process would send other daemons' messages).
 */
export function buildServices(o: {
  config: Config;
  store: Store;
  logger: Logger;
  target(name: string): Target;
  seal: SealBox;
  alert?: RaiseAlert;
}): { services: Services; start(): void; close(): Promise<void> } {
  const { config, store, logger, target } = o;
  // Webhooks and emails leave from the outbox, after the request or job that raised them.
  const smtp = config.mail ? new SmtpMailer(config.mail, logger) : undefined;
  const outbox = new Outbox({
    store: store.outbox,
    alerts: store.alerts,
    webhooks: config.alerts.webhooks,
    smtp,
    logger,
    soleOwner: store.dialect === 'sqlite',
    mailTimeoutMs: config.mail?.timeoutMs,
    mailDomain: config.mail && /@([^\s>]+)/.exec(config.mail.from)?.[1],
  });
  const alerter = new Alerter(store.alerts, config.alerts.webhooks, logger, outbox);
  const raise: RaiseAlert = o.alert ?? ((a) => alerter.raise(a));
  // What admins are alerted of on a client's site, the client hears too, by email (config mail), once per event.
  const mailer = smtp && outbox.mailer();
  const notices = mailer && new ClientNotices({ store, config, logger, mailer });
  // A stuck client becomes one escalation for admins; a request handed to a human is one of its signals.
  const escalations = new Escalations({ store, config, logger, raise, mailer, notices });
  const alert: RaiseAlert = async (a) => {
    await raise(a);
    await notices?.afterAlert(a);
    await escalations.afterAlert(a);
  };
  const dns = new DnsClient(config.dns.resolvers, config.dns.timeoutMs);
  const dnsHosts = buildDnsProviders(config.dns);
  const certificates: CertificateContext = {
    accounts: new AcmeAccounts(config, store.certificates, logger),
    pool: new Semaphore(config.acme.concurrency),
    cloudflare: dnsHosts.cloudflare,
    providers: dnsHosts.providers,
    seal: o.seal,
  };
  const services: Services = {
    config,
    store,
    logger,
    target,
    alert,
    nginx: new NginxFleet({
      webservers: config.webservers,
      playbooksDir: config.playbooks,
      target,
      logger,
      alert,
      sharedLock: store.locks,
    }),
    databases: new DatabaseServers({ databases: config.databases, target }),
    certificates,
    dns,
    escalations,
  };
  return {
    services,
    start: () => outbox.start(),
    close: async () => {
      await outbox.stop();
      await certificates.accounts.close();
      await smtp?.close();
    },
  };
}
