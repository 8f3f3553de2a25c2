/**
 * The database server stopped in the middle of database.create, for real: a PostgreSQL of
 * this file's own is shut down (fast, as `pg_ctl stop` does) while serein's CREATE DATABASE
 * waits on a lock the test holds, after its CREATE ROLE went through; a MariaDB of its own
 * is shut down (SIGTERM) while CREATE USER waits, after CREATE DATABASE. The undo cannot reach
 * the server either: it is retried with backoff, the server comes back, and the job ends
 * failed with nothing left behind (no role, no database, no record) and a plain message.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { startPrivateMariadb } from './helpers/private-mariadb.js';
import type { PrivateDatabase } from './helpers/private-database.js';
import { startPrivatePostgres } from './helpers/private-postgres.js';
import { until } from './helpers/until.js';
import { uniq } from './helpers/vhost-lab.js';

const TERMINAL = ['succeeded', 'failed', 'needs-attention'];

describe('the database server stopped mid-run', () => {
  let server: PrivateDatabase;
  let maria: PrivateDatabase;
  let d: TestDaemon;
  let A: { token: string };
  const tenant = uniq('tdb');

  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ host: server.host, port: server.port, user: server.user, database: 'postgres' });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    [server, maria] = await Promise.all([startPrivatePostgres(), startPrivateMariadb()]);
    const mariaf = {
      engine: 'mariadb',
      host: maria.host,
      port: maria.port,
      user: maria.user,
      password: maria.password,
    };
    d = await startTestDaemon({
      config: {
        databases: {
          pgf: {
            engine: 'postgres',
            host: server.host,
            port: server.port,
            user: server.user,
            password: server.password,
          },
          mariaf,
        },
      },
    });
    A = await d.tenant(tenant, { servers: ['pgf', 'mariaf'] });
  });
  afterAll(async () => {
    await d?.stop();
    await server?.remove();
    await maria?.remove();
  });

  it('PostgreSQL shut down between CREATE ROLE and CREATE DATABASE: the undo waits for it with backoff; nothing is left', async () => {
    // Hold template0 (COMMENT takes a lock CREATE DATABASE ... TEMPLATE template0 waits on).
    const holder = new pg.Client({ host: server.host, port: server.port, user: server.user, database: 'postgres' });
    holder.on('error', () => undefined); // its connection is cut by the shutdown
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query("COMMENT ON DATABASE template0 IS 'held by the fault test'");

    const submitted = await d.api('POST', '/v1/jobs', {
      token: A.token,
      body: { playbook: 'database.create', inputs: { server: 'pgf', name: 'shop' } },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.body.job.id;
    const name = `${tenant}_shop`;
    // Mid-run: the role exists and CREATE DATABASE is waiting on the lock.
    await until(
      async () =>
        (
          await admin((c) =>
            c.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'CREATE DATABASE%'"),
          )
        ).rowCount === 1,
      60_000,
      'CREATE DATABASE waiting on the lock',
    );
    expect((await admin((c) => c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]))).rowCount).toBe(1);
    await server.stop();

    // The undo (DROP ROLE) cannot connect: it says it will try again; the server comes back.
    await until(
      async () => (await d.store.jobs.events(id)).some((e: { message: string }) => /trying again in/.test(e.message)),
      60_000,
      'the undo saying it will try again',
    );
    await server.start();
    const job = await d.waitJob(id, A.token);

    const events = (await d.store.jobs.events(id)).map((e: { message: string }) => e.message);
    console.log(
      `database server stopped mid-run: ${job.status}; ${JSON.stringify(job.error)}; events: ${JSON.stringify(events)}`,
    );
    expect(job.status).toBe('failed');
    expect(job.error.message).toBe(
      `The database server "pgf" stopped answering during a step (create the database ${name}, owned by ${name} (UTF8)); everything this operation had created was removed.`,
    );
    expect(job.error.detail).toBeUndefined();
    const asAdmin = (await d.api('GET', `/v1/jobs/${id}`)).body.job;
    expect(asAdmin.error.detail).toMatch(/terminating connection due to administrator command|Connection terminated/);
    expect(events.some((m: string) => /^undoing create failed: .*; trying again in 1 s$/.test(m))).toBe(true); // backoff: 1 s, 4 s, 16 s
    expect((await admin((c) => c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]))).rowCount).toBe(0);
    expect((await admin((c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]))).rowCount).toBe(0);
    expect(await d.store.tenants.listResources({ kind: 'database' })).toEqual([]);
    expect(TERMINAL).toContain(job.status);
  });

  it('MariaDB shut down between CREATE DATABASE and CREATE USER: the undo waits for it with backoff; nothing is left', async () => {
    const root = () =>
      mysql.createConnection({ host: maria.host, port: maria.port, user: maria.user, password: maria.password });
    const ask = async (q: string, v: string[] = []) => {
      const c = await root();
      try {
        return Number(((await c.query(q, v))[0] as { n: number }[])[0].n);
      } finally {
        await c.end();
      }
    };
    // Hold mysql.db, which CREATE USER opens with the other grant tables (nothing before it reads it).
    const holder = await root();
    holder.on('error', () => undefined); // its connection is cut by the shutdown
    await holder.query('LOCK TABLES mysql.db WRITE');

    const submitted = await d.api('POST', '/v1/jobs', {
      token: A.token,
      body: { playbook: 'database.create', inputs: { server: 'mariaf', name: 'shop' } },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.body.job.id;
    const name = `${tenant}_shop`;
    await until(
      async () =>
        (await ask("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'CREATE USER%'")) === 1,
      60_000,
      'CREATE USER running',
    );
    expect(await ask('SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name])).toBe(1);
    await maria.stop();

    await until(
      async () => (await d.store.jobs.events(id)).some((e: { message: string }) => /trying again in/.test(e.message)),
      60_000,
      'the undo saying it will try again',
    );
    await maria.start();
    const job = await d.waitJob(id, A.token);
    const events = (await d.store.jobs.events(id)).map((e: { message: string }) => e.message);
    console.log(
      `MariaDB stopped mid-run: ${job.status}; ${JSON.stringify(job.error)}; events: ${JSON.stringify(events)}`,
    );
    expect(job.status).toBe('failed');
    expect(job.error.message).toBe(
      `The database server "mariaf" stopped answering during a step (create the user ${name}@localhost); everything this operation had created was removed.`,
    );
    expect(await ask('SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name])).toBe(0);
    expect(await ask('SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?', [name])).toBe(0);
    expect(await d.store.tenants.listResources({ kind: 'database' })).toEqual([]);
  });
});
