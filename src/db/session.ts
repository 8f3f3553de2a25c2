import { readFile } from 'node:fs/promises';
import type { DatabaseServerConfig } from '../config/schema.js';
import type { SecretMasker } from '../secrets.js';
import { adminPasswordUnreadable } from './errors.js';
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
      throw adminPasswordUnreadable(cfg.passwordFile!, err);
    });
    return secrets.add(text.replace(/\r?\n$/, ''));
  }
  return undefined;
}
