import type { DatabaseServerConfig } from '../config/schema.js';
import type { Target } from '../targets/target.js';
import { inlineParams, MARIADB_SCRIPT, mariadbOptionValue, runClientStatement } from './client.js';
import { SqlError, type SqlSession } from './session.js';

const text = (v: unknown): string =>
  v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);

/**
 * A MariaDB/MySQL admin session over mysql2. Statements with parameters use server-side
 * prepared statements (`execute`), so request values are never spliced into SQL text.
 */
export async function mariadbDriverSession(
  cfg: DatabaseServerConfig,
  password: string | undefined,
): Promise<SqlSession> {
  const socket = cfg.host.startsWith('/');
  const { default: mysql } = await import('mysql2/promise'); // loaded on first use
  const conn = await mysql.createConnection({
    ...(socket ? { socketPath: cfg.host } : { host: cfg.host, port: cfg.port ?? 3306 }),
    user: cfg.user,
    password,
    connectTimeout: 10_000,
    multipleStatements: false,
    charset: 'utf8mb4',
  });
  return {
    engine: 'mariadb',
    via: 'driver',
    async query(sql, params) {
      try {
        const [rows] =
          params && params.length
            ? await conn.execute({ sql, rowsAsArray: true }, params)
            : await conn.query({ sql, rowsAsArray: true });
        return Array.isArray(rows) ? (rows as unknown[][]).map((r) => (Array.isArray(r) ? r.map(text) : [])) : [];
      } catch (err) {
        // mysql2 errors carry the statement in `sql`: never pass it on, it may hold a password.
        const e = err as { sqlMessage?: string; message?: string; errno?: number; code?: string };
        throw new SqlError(e.sqlMessage ?? e.message ?? String(err), sql, e.errno ? String(e.errno) : e.code);
      }
    },
    async close() {
      await conn.end().catch(() => conn.destroy());
    },
  };
}

/** argv of the mariadb client for this server, without the password (it goes on stdin). */
export function mariadbClientArgv(cfg: DatabaseServerConfig): string[] {
  const [prog, ...extra] = cfg.client ?? ['mariadb'];
  const conn = cfg.host.startsWith('/')
    ? ['--protocol=socket', `--socket=${cfg.host}`]
    : ['--protocol=tcp', `--host=${cfg.host}`, `--port=${cfg.port ?? 3306}`];
  return [
    prog,
    ...extra,
    '--batch',
    '--skip-column-names',
    '--raw',
    '--default-character-set=utf8mb4',
    '--connect-timeout=10',
    ...conn,
    `--user=${cfg.user}`,
  ];
}

/** A MariaDB admin session through the `mariadb` client on a target (SSH, container). */
export function mariadbClientSession(
  target: Target,
  cfg: DatabaseServerConfig,
  password: string | undefined,
): SqlSession {
  const argv = mariadbClientArgv(cfg);
  const firstLine = password === undefined ? undefined : mariadbOptionValue(password);
  return {
    engine: 'mariadb',
    via: 'client',
    query: (sql, params) =>
      runClientStatement(target, { script: MARIADB_SCRIPT, argv, firstLine, sql: inlineParams(sql, params) }),
    close: async () => undefined,
  };
}
