import type { DatabaseServerConfig } from '../config/schema.js';
import type { Target } from '../targets/target.js';
import { inlineParams, pgpassLine, PSQL_SCRIPT, runClientStatement } from './client.js';
import { SqlError, type SqlSession } from './session.js';

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** `?` placeholders as PostgreSQL's `$1, $2...`, so both engines' SQL reads alike. */
export function numberedPlaceholders(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** A PostgreSQL admin session over node-postgres; parameters are bound by the protocol. */
export async function postgresDriverSession(
  cfg: DatabaseServerConfig,
  password: string | undefined,
): Promise<SqlSession> {
  const { default: pg } = await import('pg'); // loaded on first use
  const client = new pg.Client({
    host: cfg.host,
    port: cfg.port ?? 5432,
    user: cfg.user,
    password,
    database: cfg.adminDatabase ?? 'postgres',
    connectionTimeoutMillis: 10_000,
    application_name: 'serein',
  });
  client.on('error', () => undefined); // a dropped connection fails the next query instead of the process
  await client.connect();
  return {
    engine: 'postgres',
    via: 'driver',
    async query(sql, params) {
      try {
        const res = await client.query({ text: numberedPlaceholders(sql), values: params ?? [], rowMode: 'array' });
        return (res.rows as unknown[][]).map((r) => r.map(text));
      } catch (err) {
        const e = err as { message?: string; code?: string };
        throw new SqlError(e.message ?? String(err), sql, e.code);
      }
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}

/** argv of psql for this server, without the password (it goes on stdin). */
export function psqlArgv(cfg: DatabaseServerConfig): string[] {
  const [prog, ...extra] = cfg.client ?? ['psql'];
  return [
    prog,
    ...extra,
    '-X',
    '-q',
    '-A',
    '-t',
    '-F',
    '\t',
    '-v',
    'ON_ERROR_STOP=1',
    '-w',
    '-h',
    cfg.host,
    '-p',
    String(cfg.port ?? 5432),
    '-U',
    cfg.user,
    '-d',
    cfg.adminDatabase ?? 'postgres',
  ];
}

/** A PostgreSQL admin session through `psql` on a target (SSH, container). */
export function postgresClientSession(
  target: Target,
  cfg: DatabaseServerConfig,
  password: string | undefined,
): SqlSession {
  const argv = psqlArgv(cfg);
  const firstLine = password === undefined ? undefined : pgpassLine(password);
  const env = { PGCONNECT_TIMEOUT: '10', PGAPPNAME: 'serein', PGCLIENTENCODING: 'UTF8' };
  return {
    engine: 'postgres',
    via: 'client',
    query: (sql, params) =>
      runClientStatement(target, { script: PSQL_SCRIPT, argv, firstLine, sql: inlineParams(sql, params), env }),
    close: async () => undefined,
  };
}
