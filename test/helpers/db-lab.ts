import { existsSync, readdirSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { LabInfo } from '../lab/client.js';

/** Runs statements as the lab's MariaDB root (the test's own view of the server, not serein's). */
export async function mariaRoot<T>(lab: LabInfo, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const m = lab.mariadb!;
  const c = await mysql.createConnection({ host: m.host, port: m.port, user: m.user, password: m.password });
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Runs statements as the lab's PostgreSQL superuser. */
export async function pgRoot<T>(lab: LabInfo, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const p = lab.postgres!;
  const c = new pg.Client({ host: p.host, port: p.port, user: p.user, password: p.password, database: 'postgres' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * A fresh PostgreSQL database for a store daemons share (`<prefix>_<pid>`): its URL, and
 * how to drop it (FORCE: a daemon killed mid-test may still hold connections).
 */
export async function storeDatabase(lab: LabInfo, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}`;
  const drop = () => pgRoot(lab, async (c) => void (await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  await drop();
  await pgRoot(lab, (c) => c.query(`CREATE DATABASE ${name}`));
  const p = lab.postgres!;
  return { url: `postgres://${p.user}:${encodeURIComponent(p.password)}@${p.host}:${p.port}/${name}`, drop };
}

/** Whether a database and a user of that name exist, as the server's root sees it. */
export async function dbExists(
  lab: LabInfo,
  engine: 'mariadb' | 'postgres',
  name: string,
): Promise<{ database: boolean; user: boolean }> {
  if (engine === 'mariadb') {
    return mariaRoot(lab, async (c) => {
      const [d] = await c.query('SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
      const [u] = await c.query('SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?', [name]);
      return { database: Number((d as { n: number }[])[0].n) > 0, user: Number((u as { n: number }[])[0].n) > 0 };
    });
  }
  return pgRoot(lab, async (c) => {
    const d = await c.query('SELECT COUNT(*)::int AS n FROM pg_database WHERE datname = $1', [name]);
    const u = await c.query('SELECT COUNT(*)::int AS n FROM pg_roles WHERE rolname = $1', [name]);
    return { database: d.rows[0].n > 0, user: u.rows[0].n > 0 };
  });
}

/**
 * Logs in as a created user and creates, fills and reads a table: what a tenant's
 * application does first. Rejects with the server's message when the login is refused.
 */
export async function useAsTenant(
  lab: LabInfo,
  engine: 'mariadb' | 'postgres',
  o: { database: string; user: string; password: string },
): Promise<string> {
  if (engine === 'mariadb') {
    const m = lab.mariadb!;
    const c = await mysql.createConnection({
      host: m.host,
      port: m.port,
      user: o.user,
      password: o.password,
      database: o.database,
    });
    try {
      await c.query('CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, label VARCHAR(20))');
      await c.query("REPLACE INTO t VALUES (1, 'héllo ✓')");
      const [rows] = await c.query('SELECT label FROM t WHERE id = 1');
      const [[cs]] = (await c.query('SELECT @@character_set_database AS cs')) as unknown as [{ cs: string }[]];
      return `${(rows as { label: string }[])[0].label} ${cs.cs}`;
    } finally {
      await c.end();
    }
  }
  const p = lab.postgres!;
  const c = new pg.Client({ host: p.host, port: p.port, user: o.user, password: o.password, database: o.database });
  await c.connect();
  try {
    await c.query('CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, label text)');
    await c.query("INSERT INTO t VALUES (1, 'héllo ✓') ON CONFLICT (id) DO NOTHING");
    const r = await c.query('SELECT label FROM t WHERE id = 1');
    const enc = await c.query(
      'SELECT pg_encoding_to_char(encoding) AS e FROM pg_database WHERE datname = current_database()',
    );
    return `${r.rows[0].label} ${enc.rows[0].e}`;
  } finally {
    await c.end();
  }
}

/** Drops every database and user whose name starts with one of the prefixes (test cleanup). */
export async function dropByPrefix(lab: LabInfo, prefixes: string[]): Promise<void> {
  const like = (n: string) => prefixes.some((p) => n.startsWith(p));
  if (lab.mariadb) {
    await mariaRoot(lab, async (c) => {
      const [dbs] = await c.query('SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA');
      for (const { n } of dbs as { n: string }[]) if (like(n)) await c.query(`DROP DATABASE IF EXISTS \`${n}\``);
      const [users] = await c.query('SELECT User AS u, Host AS h FROM mysql.user');
      for (const { u, h } of users as { u: string; h: string }[])
        if (like(u)) await c.query('DROP USER IF EXISTS ?@?', [u, h]);
    });
  }
  if (lab.postgres) {
    await pgRoot(lab, async (c) => {
      for (const { datname } of (await c.query('SELECT datname FROM pg_database')).rows)
        if (like(datname)) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      for (const { rolname } of (await c.query('SELECT rolname FROM pg_roles')).rows)
        if (like(rolname)) await c.query(`DROP ROLE IF EXISTS "${rolname}"`);
    });
  }
}

/** The newest psql binary installed (the container only has the host's /usr, not Debian's wrapper config). */
export function psqlBinary(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(`${base}/${v}/bin/psql`)) return `${base}/${v}/bin/psql`;
  return 'psql';
}
