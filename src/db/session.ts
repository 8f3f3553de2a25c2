import { readFile } from 'node:fs/promises';
import type { DatabaseServerConfig } from '../config/schema.js';
import { OperationError } from '../errors.js';
import type { SecretMasker } from '../secrets.js';
import type { Engine } from './identifiers.js';

/**
 * One admin connection to a database server, whatever carries it: a driver connection
 * from the daemon, or the server's own client run on a target (SSH, container). Every
 * statement is sent and checked on its own, so a failure names the statement that failed.
 */
export interface SqlSession {
  readonly engine: Engine;
  readonly via: 'driver' | 'client';
  /**
   * Runs one statement. `?` placeholders take `params`: bound by the driver, or inlined
   * as strict literals (see sqlLiteral) by the client. Rows come back as text.
   */
  query(sql: string, params?: string[]): Promise<string[][]>;
  close(): Promise<void>;
}

/** A statement the server refused: the server's own message, the statement with secrets masked. */
export class SqlError extends Error {
  constructor(
    message: string,
    readonly statement: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SqlError';
  }
}

/** The admin account's password from the config (password or passwordFile), registered as a secret first. */
export async function adminPassword(cfg: DatabaseServerConfig, secrets: SecretMasker): Promise<string | undefined> {
  if (cfg.password !== undefined) return secrets.add(cfg.password);
  if (cfg.passwordFile) {
    const text = await readFile(cfg.passwordFile, 'utf8').catch((err: Error) => {
      throw new OperationError(
        'db_admin_password',
        {
          en: 'The database server is not reachable with the configured admin account.',
          fr: "Le serveur de bases de données n'est pas joignable avec le compte d'administration configuré.",
        },
        { en: 'Your provider must fix the configuration.', fr: 'Votre hébergeur doit corriger la configuration.' },
        `cannot read passwordFile ${cfg.passwordFile}: ${err.message}`,
      );
    });
    return secrets.add(text.replace(/\r?\n$/, ''));
  }
  return undefined;
}

/** The error a caller sees when the admin connection itself fails (nothing was changed). */
export function unreachable(server: string, detail: string): OperationError {
  return new OperationError(
    'db_unreachable',
    {
      en: `The database server "${server}" could not be reached; nothing was changed.`,
      fr: `Le serveur de bases de données « ${server} » est injoignable ; rien n'a été modifié.`,
    },
    {
      en: 'Try again in a few minutes. If it keeps failing, your provider has the details.',
      fr: 'Réessayez dans quelques minutes. Si cela persiste, votre hébergeur a les détails.',
    },
    detail,
  );
}
