import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantDatabaseName } from '../src/db/identifiers.js';
import { generatePassword } from '../src/secrets.js';
import { bareActionContext, startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { dbExists, dropByPrefix, mariaRoot, pgRoot, psqlBinary, useAsTenant } from './helpers/db-lab.js';
import { uniq } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';
import { BAD_NAMES } from './helpers/db-names.js';
import { databaseCreate } from '../src/actions/database.js';

describe('databases on the lab MariaDB and PostgreSQL', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let dir: string;
  let A: { token: string };
  let B: { token: string };
  const tenantA = uniq('ta');
  const tenantB = uniq('tb');
  const limited = uniq('lim');
  const limitedPassword = generatePassword();
  const seenPasswords: string[] = [];

  beforeAll(async () => {
    lab = await useLab('mariadb', 'postgres', 'sshd', 'podman');
    dir = mkdtempSync(join(tmpdir(), 'serein-db-'));
    const m = lab.mariadb!;
    const p = lab.postgres!;
    const s = lab.sshd!;
    const pwFile = join(dir, 'maria.pw');
    writeFileSync(pwFile, `${m.password}\n`, { mode: 0o600 });
    // Admin accounts that can create but not finish: MariaDB without GRANT OPTION, PostgreSQL without CREATEDB.
    await mariaRoot(lab, async (c) => {
      await c.query(`CREATE USER '${limited}'@'127.0.0.1' IDENTIFIED BY '${limitedPassword}'`);
      await c.query(`GRANT CREATE, DROP, CREATE USER, SELECT ON *.* TO '${limited}'@'127.0.0.1'`);
    });
    await pgRoot(lab, (c) => c.query(`CREATE ROLE ${limited} LOGIN CREATEROLE PASSWORD '${limitedPassword}'`));
    // Client wrappers that record the argv and environment the clients really receive.
    for (const [file, real] of [
      ['maria-wrap.sh', '/usr/bin/mariadb'],
      ['psql-wrap.sh', psqlBinary()],
    ]) {
      writeFileSync(
        join(dir, file),
        `#!/bin/sh\n{ echo "ARGV:"; printf '%s\\n' "$0" "$@"; echo "ENV:"; env; } >> ${join(dir, 'seen.log')}\nexec ${real} "$@"\n`,
        { mode: 0o755 },
      );
    }
    const maria = { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password };
    const pgsql = { engine: 'postgres', host: p.host, port: p.port, user: p.user, password: p.password };
    d = await startTestDaemon({
      config: {
        targets: {
          local: { type: 'local' },
          labssh: {
            type: 'ssh',
            host: s.host,
            port: s.port,
            username: s.username,
            privateKeyPath: s.privateKeyPath,
            hostKeySha256: s.hostKeySha256,
          },
          labdocker: { type: 'docker', socketPath: lab.podman!.socketPath, container: lab.podman!.container },
        },
        databases: {
          maria,
          maria2: maria,
          mariassh: { ...maria, password: undefined, passwordFile: pwFile, via: 'client', target: 'labssh' },
          mariadocker: { ...maria, via: 'client', target: 'labdocker' },
          marialimited: { ...maria, user: limited, password: limitedPassword },
          pg: pgsql,
          pg2: pgsql,
          pgssh: { ...pgsql, via: 'client', target: 'labssh' },
          pgdocker: { ...pgsql, via: 'client', target: 'labdocker', client: [psqlBinary()] },
          pglimited: { ...pgsql, user: limited, password: limitedPassword },
          mariawrap: { ...maria, via: 'client', target: 'labssh', client: [join(dir, 'maria-wrap.sh')] },
          pgwrap: { ...pgsql, via: 'client', target: 'labssh', client: [join(dir, 'psql-wrap.sh')] },
        },
      },
    });
    A = await d.tenant(tenantA, {
      servers: [
        'maria',
        'mariassh',
        'mariadocker',
        'marialimited',
        'pg',
        'pgssh',
        'pgdocker',
        'pglimited',
        'mariawrap',
        'pgwrap',
      ],
    });
    B = await d.tenant(tenantB, { servers: ['maria2', 'pg2'], language: 'fr' });
  });

  afterAll(async () => {
    await d?.stop();
    if (lab) {
      await dropByPrefix(lab, [`${tenantA}_`, `${tenantB}_`, limited]);
      await mariaRoot(lab, (c) => c.query(`DROP USER IF EXISTS '${limited}'@'127.0.0.1'`));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Nothing serein stored or streamed may contain a generated password: events, steps, audit, the store's raw bytes. */
  async function expectNoLeak(jobId: string, password: string) {
    const events = JSON.stringify(await d.store.jobs.events(jobId));
    const steps = JSON.stringify(await d.store.jobs.steps(jobId));
    const audit = JSON.stringify(await d.store.audit.list({}));
    const list = JSON.stringify((await d.api('GET', '/v1/jobs')).body);
    const again = JSON.stringify((await d.api('GET', `/v1/jobs/${jobId}`)).body);
    for (const [what, text] of Object.entries({ events, steps, audit, list, again }))
      expect(text.includes(password), what).toBe(false);
    const dbPath = d.config.store.driver === 'sqlite' ? d.config.store.path : '';
    for (const f of [dbPath, `${dbPath}-wal`])
      if (f && existsSync(f)) expect(readFileSync(f).includes(password), f).toBe(false);
  }

  for (const [server, engine] of [
    ['maria', 'mariadb'],
    ['pg', 'postgres'],
  ] as const) {
    it(`${server}: creates a database that accepts a login with the returned password and lets its user create a table`, async () => {
      const job = await d.runJob('database.create', { server, name: 'shop' }, { token: A.token });
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      const database = `${tenantA}_shop`;
      expect(job.result).toMatchObject({ database, user: database, existed: false });
      expect(job.secretShownOnce).toBe(true);
      const password: string = job.result.password;
      expect(password.length).toBeGreaterThanOrEqual(24);
      seenPasswords.push(password);
      expect(await useAsTenant(lab, engine, { database, user: database, password })).toMatch(
        engine === 'mariadb' ? /^héllo ✓ utf8mb4$/ : /^héllo ✓ UTF8$/,
      );
      await expectNoLeak(job.id, password);

      // The same request again is safe: reported as existing, no new password.
      const again = await d.runJob('database.create', { server, name: 'shop' }, { token: A.token });
      expect(again.status, JSON.stringify(again.error)).toBe('succeeded');
      expect(again.result.existed).toBe(true);
      expect(again.result.password).toBeUndefined();

      // An explicit rotation returns a new password; the old one stops working.
      const rotated = await d.runJob(
        'database.create',
        { server, name: 'shop', rotatePassword: true },
        { token: A.token },
      );
      expect(rotated.status, JSON.stringify(rotated.error)).toBe('succeeded');
      expect(rotated.result.password).not.toBe(password);
      await expect(useAsTenant(lab, engine, { database, user: database, password })).rejects.toThrow();
      expect(await useAsTenant(lab, engine, { database, user: database, password: rotated.result.password })).toMatch(
        /héllo/,
      );
      await expectNoLeak(rotated.id, rotated.result.password);

      // Another tenant's user cannot reach it.
      const other = await d.runJob('database.create', { server: `${server}2`, name: 'shop' }, { token: B.token });
      expect(other.status, JSON.stringify(other.error)).toBe('succeeded');
      const otherDb = `${tenantB}_shop`;
      expect(
        await useAsTenant(lab, engine, { database: otherDb, user: otherDb, password: other.result.password }),
      ).toMatch(/héllo/);
      await expect(
        useAsTenant(lab, engine, { database, user: otherDb, password: other.result.password }),
      ).rejects.toThrow(engine === 'mariadb' ? /Access denied/ : /permission denied for database|CONNECT privilege/);

      // Deleting needs the explicit confirmation; then the database and its user are gone.
      const unconfirmed = await d.runJob('database.delete', { server, name: 'shop' }, { token: A.token });
      expect(unconfirmed.status).toBe('failed');
      expect(unconfirmed.error.code).toBe('confirmation_required');
      expect(unconfirmed.error.hint).toContain(`set "confirm" to exactly ${database}`);
      expect(await dbExists(lab, engine, database)).toEqual({ database: true, user: true });
      const del = await d.runJob('database.delete', { server, name: 'shop', confirm: database }, { token: A.token });
      expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
      expect(await dbExists(lab, engine, database)).toEqual({ database: false, user: false });
      expect(await d.store.tenants.getResource('database', `${server}:${database}`)).toBeUndefined();
      const frErr = await d.runJob(
        'database.delete',
        { server: `${server}2`, name: 'shop', confirm: 'wrong' },
        { token: B.token },
      );
      expect(frErr.error.message).toMatch(/une copie reste dans votre corbeille/); // tenant B reads French
      expect(frErr.error.hint).toContain(`exactement ${otherDb}`);
      const delB = await d.runJob(
        'database.delete',
        { server: `${server}2`, name: 'shop', confirm: otherDb },
        { token: B.token },
      );
      expect(delB.status, JSON.stringify(delB.error)).toBe('succeeded');
    });
  }

  for (const [server, engine, step] of [
    ['marialimited', 'mariadb', /every right on/],
    ['pglimited', 'postgres', /create the database/],
  ] as const) {
    it(`${server}: a failure halfway leaves no database and no user behind`, async () => {
      const job = await d.runJob('database.create', { server, name: 'half' }, { token: A.token });
      expect(job.status).toBe('failed');
      expect(job.error.code).toBe('database_statement_failed');
      expect(job.error.message).toMatch(step);
      expect(job.error.message).toMatch(/everything this operation had created was removed/);
      const admin = await d.api('GET', `/v1/jobs/${job.id}`);
      expect(admin.body.job.error.detail).toMatch(
        engine === 'mariadb' ? /Access denied/ : /permission denied to create database/,
      );
      expect(admin.body.steps.find((s: { name: string }) => s.name === 'create').status).toBe('compensated');
      expect(await dbExists(lab, engine, `${tenantA}_half`)).toEqual({ database: false, user: false });
      expect(await d.store.tenants.getResource('database', `${server}:${tenantA}_half`)).toBeUndefined();
      const events = JSON.stringify(await d.store.jobs.events(job.id));
      expect(events).not.toContain(limitedPassword);
      // Re-running the same request after the cause is fixed would start from a clean slate.
      expect(events).toMatch(/undone/);
    });
  }

  it('names like a;drop database x are rejected with a clear message and nothing runs', async () => {
    const before = (await d.api('GET', '/v1/jobs')).body.jobs.length;
    for (const name of BAD_NAMES) {
      const res = await d.api('POST', '/v1/jobs', {
        token: A.token,
        body: { playbook: 'database.create', inputs: { server: 'maria', name } },
      });
      expect(res.status, name).toBe(400);
      expect(res.body.error.message, name).toMatch(name === '' ? /is required/ : /is not an allowed name/);
      expect(res.body.error.hint, name).toMatch(
        name === '' ? /Provide name/ : /lower-case letters, digits and underscores/,
      );
      const del = await d.api('POST', '/v1/jobs', {
        token: A.token,
        body: { playbook: 'database.delete', inputs: { server: 'maria', name, confirm: 'x' } },
      });
      expect(del.status, name).toBe(400);
    }
    const fr = await d.api('POST', '/v1/jobs', {
      token: B.token,
      body: { playbook: 'database.create', inputs: { server: 'maria2', name: "x'--" } },
    });
    expect(fr.body.error.message).toMatch(/n'est pas un nom autorisé/);
    expect((await d.api('GET', '/v1/jobs')).body.jobs.length).toBe(before);
    // Defence in depth: the action refuses them too, should a playbook pass them unchecked.
    expect(() => tenantDatabaseName(tenantA, 'a;drop database x')).toThrow(/cannot be used as a database name/);
  });

  it('passwords reach the clients on standard input only: never in their argv or environment, no file left behind', async () => {
    const seen = join(dir, 'seen.log');
    const tmpBefore = new Set(readdirSync('/tmp'));
    for (const server of ['mariawrap', 'pgwrap']) {
      const job = await d.runJob('database.create', { server, name: 'wrap' }, { token: A.token });
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      const generated: string = job.result.password;
      const log = readFileSync(seen, 'utf8');
      expect(log).toContain(server === 'mariawrap' ? '--defaults-extra-file=/dev/fd/3' : 'PGPASSFILE=');
      for (const secret of [generated, lab.mariadb!.password, lab.postgres!.password])
        expect(log.includes(secret)).toBe(false);
      await expectNoLeak(job.id, generated);
      await expectNoLeak(job.id, server === 'mariawrap' ? lab.mariadb!.password : lab.postgres!.password);
      const del = await d.runJob(
        'database.delete',
        { server, name: 'wrap', confirm: `${tenantA}_wrap` },
        { token: A.token },
      );
      expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
      rmSync(seen);
    }
    // psql's password file is removed as soon as psql exits
    const left = readdirSync('/tmp').filter((f) => !tmpBefore.has(f) && f.startsWith('tmp.'));
    for (const f of left) expect(readFileSync(join('/tmp', f), 'utf8').includes(lab.postgres!.password), f).toBe(false);
  });

  it('after a crash mid-creation, compensation drops what the checkpoint says was (being) created', async () => {
    const database = `${tenantA}_crash`;
    // What a daemon killed right after CREATE DATABASE leaves behind (its last checkpoint listed both changes).
    await pgRoot(lab, async (c) => {
      await c.query(`CREATE ROLE "${database}" LOGIN`);
      await c.query(`CREATE DATABASE "${database}" OWNER "${database}"`);
    });
    const ctx = bareActionContext(d.daemon.engine.services, tenantA);
    const checkpoint = {
      server: 'pg',
      spec: { engine: 'postgres', database, user: database, hosts: [] },
      version: { flavor: 'postgres', major: 15, minor: 0, text: '150000' },
      adminIsSuperuser: true,
      done: ['role', 'database'],
    };
    await databaseCreate.compensate!(ctx, { server: 'pg', name: 'crash', rotatePassword: false }, checkpoint);
    expect(await dbExists(lab, 'postgres', database)).toEqual({ database: false, user: false });
    // Idempotent: a second compensation (a second restart) finds nothing to do and does not fail.
    await databaseCreate.compensate!(ctx, { server: 'pg', name: 'crash', rotatePassword: false }, checkpoint);
  });

  it('dry run lists the statements with the password masked, and creates nothing', async () => {
    const job = await d.runJob('database.create', { server: 'pg', name: 'dry' }, { token: A.token, dryRun: true });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const statements = job.result.plan
      .filter((p: { kind: string }) => p.kind === 'statement')
      .map((p: { statement: string }) => p.statement);
    expect(statements[0]).toMatch(/^CREATE ROLE "\w+_dry" LOGIN .* PASSWORD '\*{8}'$/);
    expect(statements).toContain(
      `CREATE DATABASE "${tenantA}_dry" OWNER "${tenantA}_dry" TEMPLATE template0 ENCODING 'UTF8'`,
    );
    expect(await dbExists(lab, 'postgres', `${tenantA}_dry`)).toEqual({ database: false, user: false });
  });

  for (const [server, engine] of [
    ['mariassh', 'mariadb'],
    ['mariadocker', 'mariadb'],
    ['pgssh', 'postgres'],
    ['pgdocker', 'postgres'],
  ] as const) {
    it(`${server}: the same operations through the server's own client on the target`, async () => {
      const name = server.replace(/[^a-z]/g, '').slice(0, 14);
      const database = `${tenantA}_${name}`;
      const started = Date.now();
      const job = await d.runJob('database.create', { server, name }, { token: A.token });
      const ms = Date.now() - started;
      expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
      console.log(`[database] create through ${server}: ${ms} ms`);
      expect(await useAsTenant(lab, engine, { database, user: database, password: job.result.password })).toMatch(
        /héllo/,
      );
      await expectNoLeak(job.id, job.result.password);
      const again = await d.runJob('database.create', { server, name }, { token: A.token });
      expect(again.result.existed).toBe(true);
      const del = await d.runJob('database.delete', { server, name, confirm: database }, { token: A.token });
      expect(del.status, JSON.stringify(del.error)).toBe('succeeded');
      expect(await dbExists(lab, engine, database)).toEqual({ database: false, user: false });
    });
  }
});
