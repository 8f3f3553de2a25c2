import { mkdtempSync, rmSync, statSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Alerter } from '../../src/alerts.js';
import { Outbox } from '../../src/notify/outbox.js';
import { Store } from '../../src/store/store.js';
import { LocalTarget } from '../../src/targets/local.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { dropByPrefix } from '../helpers/db-lab.js';
import { labWebserver, uniq } from '../helpers/vhost-lab.js';
import { until } from '../helpers/until.js';
import { useLab, type LabInfo } from '../lab/client.js';

/** Holes 5 and 6 of the isolation review, and the smaller defences around them, played as a hostile client. */
describe('a hostile client against the engine and the API', () => {
  let lab: LabInfo;
  let d: TestDaemon;
  let dir: string;
  let A: { token: string };
  let B: { token: string };
  const ta = uniq('ta');
  const tb = uniq('tb');
  const domA = `${ta}.test`;
  const domB = `${tb}.test`;

  beforeAll(async () => {
    lab = await useLab('nginx', 'mariadb');
    dir = mkdtempSync(join(tmpdir(), 'serein-defence-'));
    const m = lab.mariadb!;
    d = await startTestDaemon({
      config: {
        targets: { local: { type: 'local' } },
        webservers: { web: labWebserver(lab.nginx!, dir) },
        databases: { maria: { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password } },
      },
    });
    A = await d.tenant(ta, { domains: [domA], servers: ['web', 'maria'] });
    B = await d.tenant(tb, { domains: [domB], servers: ['web', 'maria'] });
  });

  afterAll(async () => {
    await d?.stop();
    if (lab) await dropByPrefix(lab, [`${ta}_`, `${tb}_`]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("no tenant can be called admin (or another reserved word): its idempotency keys and locks would pass for the admins'", async () => {
    for (const id of ['admin', 'root', 'system']) {
      const r = await d.api('POST', '/v1/tenants', { body: { id, name: 'Hostile' } });
      expect(r.status, id).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(/reserved/);
    }
  });

  it('the same idempotency key from an admin and from two tenants gives three different jobs', async () => {
    const key = `k-${uniq()}`;
    const submit = (token: string | undefined, domain: string) =>
      d.api('POST', '/v1/jobs', {
        token,
        body: { playbook: 'vhost.create', inputs: { webserver: 'web', domain }, dryRun: true, idempotencyKey: key },
      });
    const admin = await submit(undefined, domA);
    const a = await submit(A.token, domA);
    const b = await submit(B.token, domB);
    expect([admin.status, a.status, b.status]).toEqual([202, 202, 202]);
    expect(new Set([admin.body.job.id, a.body.job.id, b.body.job.id]).size).toBe(3);
    // And the same key again from a tenant is that tenant's own job, never another's.
    const again = await submit(B.token, domB);
    expect(again.body.job.id).toBe(b.body.job.id);
  });

  it("a client cannot name another tenant in a database job, so it cannot take that tenant's database lock", async () => {
    const before = (await d.store.jobs.list({})).length;
    const r = await d.api('POST', '/v1/jobs', {
      token: A.token,
      body: { playbook: 'database.create', inputs: { server: 'maria', name: 'shop', tenant: tb } },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('admin_input');
    expect(r.body.error.message).not.toMatch(/\^|\$|\{/);
    expect((await d.store.jobs.list({})).length).toBe(before);
    expect((await d.store.jobs.list({})).some((j) => j.resource?.endsWith(`:${tb}`))).toBe(false);
    // The admin-only input is not even offered to clients.
    const pbs = await d.api('GET', '/v1/playbooks', { token: A.token });
    expect(
      Object.keys(pbs.body.playbooks.find((p: { name: string }) => p.name === 'database.create').inputs),
    ).not.toContain('tenant');
  });

  it("an admin reading a client's job leaves the shown-once password to the client", async () => {
    const sub = await d.api('POST', '/v1/jobs', {
      token: A.token,
      body: { playbook: 'database.create', inputs: { server: 'maria', name: 'shop' } },
    });
    expect(sub.status).toBe(202);
    const id = sub.body.job.id;
    const adminView = await until(
      async () => {
        const view = await d.api('GET', `/v1/jobs/${id}`);
        return ['succeeded', 'failed', 'needs-attention'].includes(view.body.job.status) && view;
      },
      60_000,
      `job ${id} to end`,
    );
    expect(adminView.body.job.status).toBe('succeeded');
    expect(adminView.body.job.result.password).toBeUndefined();
    expect(adminView.body.job.secretPending).toBe(true);
    const mine = await d.api('GET', `/v1/jobs/${id}`, { token: A.token });
    expect(mine.body.job.result.password).toMatch(/^[A-Za-z0-9]{32}$/);
    const again = await d.api('GET', `/v1/jobs/${id}`, { token: A.token });
    expect(again.body.job.result.password).toBeUndefined();
  });
});

describe('what leaves the daemon', () => {
  it('webhooks are not followed through redirects, and their URL (with its secret) is never logged', async () => {
    const elsewhere: string[] = [];
    const other = http.createServer((req, res) => {
      elsewhere.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const hook = http.createServer((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${(other.address() as AddressInfo).port}/stolen` });
      res.end();
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const secret = `T0SECRET${uniq()}`;
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const dir = mkdtempSync(join(tmpdir(), 'serein-hook-'));
    const store = await Store.open({ driver: 'sqlite', path: join(dir, 'serein.db') });
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/${secret}?token=${secret}`;
    const outbox = new Outbox({ store: store.outbox, alerts: store.alerts, webhooks: [url], logger, soleOwner: true });
    await new Alerter(store.alerts, [url], logger, outbox).raise({
      kind: 'test',
      tenantId: null,
      subject: 's',
      message: 'm',
    });
    await outbox.deliverDue(); // the outbox posts it, as the daemon's sender would
    await Promise.all([hook, other].map((s) => new Promise((r) => s.close(r))));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    expect(elsewhere).toEqual([]);
    expect(lines.some((l) => /redirect/.test(l))).toBe(true);
    expect(lines.join('\n')).not.toContain(secret);
  });

  it("programs run on the local target do not inherit the daemon's environment", async () => {
    process.env.SEREIN_TEST_SECRET = 'do-not-leak';
    try {
      const r = await new LocalTarget().run(['env']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^PATH=/m);
      expect(r.stdout).not.toContain('do-not-leak');
    } finally {
      delete process.env.SEREIN_TEST_SECRET;
    }
  });

  it('the store, its WAL and the folder serein makes for it are for the owner only, whatever the umask', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'serein-umask-'));
    const old = process.umask(0);
    let d: TestDaemon | undefined;
    try {
      d = await startTestDaemon({ config: { store: { driver: 'sqlite', path: join(dir, 'state', 'serein.db') } } });
      await d.api('POST', '/v1/tenants', { body: { id: uniq('u'), name: 'U' } }); // a write, so the WAL exists
      for (const f of ['serein.db', 'serein.db-wal', 'serein.db-shm'])
        expect(statSync(join(dir, 'state', f)).mode & 0o777, f).toBe(0o600);
      expect(statSync(join(dir, 'state')).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(old);
      await d?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
