import type { DatabaseServerConfig } from '../config/schema.js';
import type { SecretMasker } from '../secrets.js';
import type { Target } from '../targets/target.js';
import { mariadbClientSession, mariadbDriverSession } from './mariadb.js';
import { postgresClientSession, postgresDriverSession } from './postgres.js';
import { databaseMisconfigured, unknownDatabaseServer, unreachable } from './errors.js';
import { adminPassword, type SqlSession } from './session.js';
import { Slots } from './slots.js';

/** Admin sessions open at once on one server when its config does not say (`maxConnections`). */
export const DEFAULT_MAX_CONNECTIONS = 8;

/**
 * The configured database servers, built once by the daemon: what each one is, and how
 * to open an admin session on it.
 */
export class DatabaseServers {
  /** Per configured server: a burst of jobs must not use up a customer's server (MariaDB allows 151 by default). */
  private readonly slots = new Map<string, Slots>();

  constructor(private readonly o: { databases: Record<string, DatabaseServerConfig>; target(name: string): Target }) {}

  /** A configured server by name, or a clear error naming the known ones. */
  config(name: string): DatabaseServerConfig {
    const cfg = this.o.databases[name];
    if (cfg) return cfg;
    const known = Object.keys(this.o.databases);
    throw unknownDatabaseServer(name, known);
  }

  /**
   * Opens an admin session the way the server's config says: `via: driver` connects from
   * the daemon; `via: client` runs mariadb/psql on the server's target. The admin
   * password is registered as a secret before any use. At most `maxConnections` sessions
   * are open at once on one server; the others wait their turn, and closing gives it back.
   */
  async open(server: string, secrets: SecretMasker): Promise<SqlSession> {
    const cfg = this.config(server);
    let slots = this.slots.get(server);
    if (!slots) this.slots.set(server, (slots = new Slots(cfg.maxConnections ?? DEFAULT_MAX_CONNECTIONS)));
    const release = await slots.acquire();
    let s: SqlSession;
    try {
      s = await this.connect(server, cfg, secrets);
    } catch (err) {
      release();
      throw err;
    }
    return {
      engine: s.engine,
      via: s.via,
      query: (sql, params) => s.query(sql, params),
      close: () => s.close().finally(release),
    };
  }

  private async connect(server: string, cfg: DatabaseServerConfig, secrets: SecretMasker): Promise<SqlSession> {
    const password = await adminPassword(cfg, secrets);
    if (cfg.via === 'client') {
      if (!cfg.target) {
        throw databaseMisconfigured(server, `databases.${server}: via: client needs a target`);
      }
      const target = this.o.target(cfg.target);
      return cfg.engine === 'mariadb'
        ? mariadbClientSession(target, cfg, password)
        : postgresClientSession(target, cfg, password);
    }
    try {
      return cfg.engine === 'mariadb'
        ? await mariadbDriverSession(cfg, password)
        : await postgresDriverSession(cfg, password);
    } catch (err) {
      throw unreachable(
        server,
        secrets.mask(`${cfg.engine} ${cfg.host}:${cfg.port ?? ''} as ${cfg.user}: ${(err as Error).message}`),
      );
    }
  }
}
