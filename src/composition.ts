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
 * The composition root's half that the actions see: every component is built here once,
 * typed, and handed to the engine, which lends it to actions. The engine declares only
 * the parts it knows (config, store, targets, logger, alerts); this module adds the
 * feature components to its `Services` type, so the engine imports none of them.
 */
declare module './engine/action.js' {
  interface Services {
    /** The nginx web servers, each with its one applier and lock. */
    readonly nginx: NginxFleet;
    /** The database servers and how to open an admin session on each. */
    readonly databases: DatabaseServers;
    /** ACME accounts, the order pool, DNS access and the key seal box. */
    readonly certificates: CertificateContext;
    /** The daemon's DNS resolvers, as the CA and the preflight see names. */
    readonly dns: DnsClient;
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
    dns,
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
