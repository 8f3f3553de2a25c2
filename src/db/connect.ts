import type { Services } from '../engine/action.js';
import { OperationError } from '../errors.js';
import type { SecretMasker } from '../secrets.js';
import { mariadbClientSession, mariadbDriverSession } from './mariadb.js';
import { postgresClientSession, postgresDriverSession } from './postgres.js';
import { adminPassword, databaseServer, unreachable, type SqlSession } from './session.js';

/**
 * Opens an admin session to a configured database server, the way its config says:
 * `via: driver` connects from the daemon; `via: client` runs mariadb/psql on the
 * server's target. The admin password is registered as a secret before any use.
 */
export async function openSession(services: Services, server: string, secrets: SecretMasker): Promise<SqlSession> {
  const cfg = databaseServer(services, server);
  const password = await adminPassword(cfg, secrets);
  if (cfg.via === 'client') {
    if (!cfg.target) {
      throw new OperationError(
        'db_config',
        { en: `The database server "${server}" is misconfigured.`, fr: `Le serveur de bases de données « ${server} » est mal configuré.` },
        { en: 'Your provider must fix the configuration.', fr: 'Votre hébergeur doit corriger la configuration.' },
        `databases.${server}: via: client needs a target`,
      );
    }
    const target = services.target(cfg.target);
    return cfg.engine === 'mariadb' ? mariadbClientSession(target, cfg, password) : postgresClientSession(target, cfg, password);
  }
  try {
    return cfg.engine === 'mariadb' ? await mariadbDriverSession(cfg, password) : await postgresDriverSession(cfg, password);
  } catch (err) {
    throw unreachable(server, secrets.mask(`${cfg.engine} ${cfg.host}:${cfg.port ?? ''} as ${cfg.user}: ${(err as Error).message}`));
  }
}
