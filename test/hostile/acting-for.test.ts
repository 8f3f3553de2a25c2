/**
 * Issue 18's confused deputy, played by a hostile client against the real lab nginx:
 * whatever a client was refused, it must not get through an admin's "do it for them" or
 * through the renewal schedule. serein acts for a tenant with that tenant's rights and
 * checks only; what the admin reviewed is exactly what runs; what needs more than the
 * tenant may do is not one click.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CertificateMaintenance } from '../../src/certificates/maintain.js';
import { StrugglingWatch } from '../../src/watch/struggling.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/until.js';
import { tempDir } from '../helpers/tmp.js';
import { getWithHost, labNginxTest, labWebserver, uniq } from '../helpers/vhost-lab.js';
import { useLab, type LabInfo } from '../lab/client.js';

let lab: LabInfo;
let d: TestDaemon;
let dir: string;
let canary: http.Server;
let canaryPort: number;
/** Every request the internal service got: it must stay empty. */
const canaryHits: string[] = [];

const confPath = (name: string) => join(lab.nginx!.vhostDir, `${name}.conf`);

/** A tenant with its own domain, allowed on the lab's web server. */
async function tenant(prefix: string) {
  const id = uniq(prefix);
  const domain = `${uniq(prefix)}.test`;
  return { id, domain, ...(await d.tenant(id, { domains: [domain], servers: ['web'] })) };
}

/** The tenant's open escalation for a problem, once the watch has opened it. */
const escalation = (tenantId: string, problem: string) =>
  until(
    async () =>
      ((await d.api('GET', '/v1/escalations')).body.escalations as any[]).find(
        (e) => e.tenantId === tenantId && e.problem === problem,
      ),
    30_000,
    `the escalation of ${tenantId}`,
  );

/** A client's request in words handed to a person, with what serein understood of it: the way a proposal becomes a suggestion. */
const handOver = (tenantId: string, playbook: string, inputs: Record<string, unknown>) =>
  d.daemon.engine.services.alert({
    kind: 'request-handoff',
    tenantId,
    subject: `request:${tenantId}`,
    message: 'asks in words',
    detail: { text: 'please do it', language: 'en', frustrated: false, proposal: { playbook, inputs, sentence: '' } },
  });

/** "Do it for them" on the suggestion as shown; the job it started (if any) once it has ended. */
async function doForThem(e: any): Promise<{ status: number; body: any; job?: any }> {
  const res = await d.api('POST', `/v1/escalations/${e.id}/do`, { body: { suggestion: e.suggestion.version } });
  return { ...res, job: res.status === 202 ? await d.waitJob(res.body.job.id) : undefined };
}

beforeAll(async () => {
  lab = await useLab('nginx', 'dns');
  dir = tempDir('serein-acting-');
  canary = http.createServer((req, res) => {
    canaryHits.push(`${req.headers.host}${req.url}`);
    res.end('internal secret');
  });
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  canaryPort = (canary.address() as { port: number }).port;
  d = await startTestDaemon({
    config: {
      dns: { resolvers: [`${lab.dns!.host}:${lab.dns!.port}`], timeoutMs: 1500 },
      // The default client upstream policy: public addresses only.
      webservers: { web: labWebserver(lab.nginx!, dir, 'local') },
      // A database server nothing connects to: a rescue that reached it would fail there, not be refused first.
      databases: { maria: { engine: 'mariadb', host: '127.0.0.1', port: 9, user: 'root', password: 'unused' } },
      renewal: { enabled: false },
      drift: { enabled: false },
    },
  });
});

afterEach(() => {
  const t = labNginxTest(lab);
  expect(t.ok, t.output).toBe(true);
});

afterAll(async () => {
  await d?.stop();
  await new Promise<void>((r) => (canary ? canary.close(() => r()) : r()));
});

describe('acting for a client never gives the client more rights', () => {
  it('an internal upstream the client was refused three times is refused again when an admin does it for them', async () => {
    const a = await tenant('ia');
    const name = `app.${a.domain}`;
    const inputs = { webserver: 'web', domain: name, upstream: `http://127.0.0.1:${canaryPort}/` };
    for (let i = 0; i < 3; i++)
      expect((await d.runJob('vhost.create', inputs, { token: a.token })).status).toBe('failed');
    const e = await escalation(a.id, 'operation:vhost.create');
    expect(e.suggestion).toMatchObject({ playbook: 'vhost.create', inputs: { domain: name }, oneClick: true });
    const done = await doForThem(e);
    // Refused with the client's rights: at submission, or by the job, which is the tenant's and says who acted.
    if (done.job) {
      expect(done.job.status).toBe('failed');
      expect(done.job.tenantId).toBe(a.id);
      expect((await d.store.jobs.get(done.job.id))!.actedBy).toBeTruthy();
    } else expect(done.status).toBeGreaterThanOrEqual(400);
    expect(existsSync(confPath(name))).toBe(false);
    expect((await getWithHost('127.0.0.1', lab.nginx!.port, name)).body).not.toContain('internal secret');
    expect(canaryHits).toEqual([]);
  });

  it("another tenant's site folder stays out of reach: neither served nor deleted through a rescue", async () => {
    const a = await tenant('fa');
    const b = await tenant('fb');
    const bSite = `shop.${b.domain}`;
    expect((await d.runJob('vhost.create', { webserver: 'web', domain: bSite }, { token: b.token })).status).toBe(
      'succeeded',
    );
    const bFolder = join(dir, 'www', bSite);
    mkdirSync(bFolder, { recursive: true });
    writeFileSync(join(bFolder, 'wp-config.php'), "define('DB_PASSWORD', 'b-secret');");
    // A's site serving B's folder: refused to A three times, then "done for them".
    const aSite = `www2.${a.domain}`;
    for (let i = 0; i < 3; i++)
      expect(
        (await d.runJob('vhost.create', { webserver: 'web', domain: aSite, root: bFolder }, { token: a.token })).status,
      ).toBe('failed');
    const done = await doForThem(await escalation(a.id, 'operation:vhost.create'));
    expect(done.job?.status ?? done.status).not.toBe('succeeded');
    expect((await getWithHost('127.0.0.1', lab.nginx!.port, aSite, '/wp-config.php')).body).not.toContain('b-secret');
    // A's words asking to delete B's site with its files (its name typed too, so it is one click), understood and handed to a person.
    await handOver(a.id, 'vhost.delete', { domain: bSite, removeFiles: true, confirm: bSite });
    const del = await doForThem(await escalation(a.id, 'request'));
    expect(del.job?.status ?? del.status).not.toBe('succeeded');
    expect(existsSync(join(bFolder, 'wp-config.php'))).toBe(true);
    expect(existsSync(confPath(bSite))).toBe(true);
    expect((await getWithHost('127.0.0.1', lab.nginx!.port, bSite)).status).toBe(200);
  });

  it('what the admin reviewed is what runs: a suggestion changed since is refused, nothing started', async () => {
    const a = await tenant('va');
    const first = { webserver: 'web', domain: `one.${a.domain}`, upstream: `http://127.0.0.1:${canaryPort}/one` };
    for (let i = 0; i < 3; i++) await d.runJob('vhost.create', first, { token: a.token });
    const seen = await escalation(a.id, 'operation:vhost.create');
    expect(seen.suggestion.inputs).toEqual(first);
    // A later failure replaces the suggestion after the admin looked at it.
    const second = { webserver: 'web', domain: `two.${a.domain}`, upstream: `http://127.0.0.1:${canaryPort}/two` };
    await d.runJob('vhost.create', second, { token: a.token });
    await until(
      async () => (await escalation(a.id, 'operation:vhost.create')).suggestion.inputs.domain === second.domain,
      30_000,
      'the new suggestion',
    );
    const jobsBefore = (await d.store.jobs.list({ tenantId: a.id, limit: 100 })).length;
    const res = await d.api('POST', `/v1/escalations/${seen.id}/do`, { body: { suggestion: seen.suggestion.version } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('suggestion_changed');
    expect(res.body.error.message).toMatch(/changed since you looked at it/);
    expect(res.body.error.hint).toContain(second.domain);
    // Without the version, nothing runs either.
    expect((await d.api('POST', `/v1/escalations/${seen.id}/do`)).status).toBe(400);
    expect((await d.store.jobs.list({ tenantId: a.id, limit: 100 })).length).toBe(jobsBefore);
    expect(canaryHits).toEqual([]);
  });

  it('a suggestion needing more than the tenant may do is not one click', async () => {
    const a = await tenant('na');
    const b = await tenant('nb');
    // Words that named another tenant, an input only admins set: shown, never run by a click.
    await handOver(a.id, 'database.create', { server: 'maria', name: 'shop', tenant: b.id });
    const e = await escalation(a.id, 'request');
    expect(e.suggestion).toMatchObject({ playbook: 'database.create', oneClick: false });
    const res = await d.api('POST', `/v1/escalations/${e.id}/do`, { body: { suggestion: e.suggestion.version } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'not_one_click', message: expect.stringMatching(/not one click/) });
    expect(res.body.error.hint).toContain(`"tenant":"${b.id}"`);
    expect(
      (await d.store.jobs.list({ playbook: 'database.create', limit: 10 })).filter((j) => j.forTenant === b.id),
    ).toEqual([]);
  });

  it('a removal the client must confirm by typing its name is not one click for the admin either', async () => {
    const a = await tenant('ta');
    const site = `shop.${a.domain}`;
    expect((await d.runJob('vhost.create', { webserver: 'web', domain: site }, { token: a.token })).status).toBe(
      'succeeded',
    );
    // The client's words asked to delete their site; nobody typed its name.
    await handOver(a.id, 'vhost.delete', { domain: site });
    const e = await escalation(a.id, 'request');
    expect(e.suggestion).toMatchObject({ playbook: 'vhost.delete', oneClick: false });
    const res = await d.api('POST', `/v1/escalations/${e.id}/do`, { body: { suggestion: e.suggestion.version } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('not_one_click');
    expect(existsSync(confPath(site))).toBe(true);
    expect((await d.runJob('vhost.delete', { domain: site, confirm: site }, { token: a.token })).status).toBe(
      'succeeded',
    );
  });

  it("the schedule renews a client's certificate with the client's rights: not once a name is another tenant's", async () => {
    const a = await tenant('ra');
    const b = await tenant('rb');
    const moved = `${uniq('moved')}.test`;
    expect(
      (await d.api('POST', `/v1/tenants/${a.id}/resources`, { body: { kind: 'domain', name: moved } })).status,
    ).toBe(201);
    // One certificate whose names stay A's, one for the moved name, one for A's site with the moved name beside it.
    const names = { kept: [`kept.${a.domain}`], moved: [moved], alias: [`shop.${a.domain}`, `www.${moved}`] };
    const certs: Record<string, string> = {};
    for (const [key, domains] of Object.entries(names)) {
      const c = await d.store.certificates.addPending({
        tenantId: a.id,
        webserver: 'web',
        name: domains[0],
        domains,
        challenge: 'http-01',
        keyType: 'ecdsa-p256',
        ca: 'none',
        caDirectory: 'https://ca.invalid/directory',
        serial: '01',
        ariCertId: 'x.y',
        notBefore: new Date().toISOString(),
        notAfter: new Date(Date.now() + 30 * 86_400_000).toISOString(),
        certPem: 'unused',
        keyPem: 'unused',
      });
      await d.store.certificates.activate(c.id, new Date(Date.now() - 60_000));
      certs[key] = c.id;
    }
    // The admin moves the name to tenant B (taken from A first).
    expect((await d.api('DELETE', `/v1/tenants/${a.id}/resources/domain/${moved}`)).status).toBe(204);
    expect(
      (await d.api('POST', `/v1/tenants/${b.id}/resources`, { body: { kind: 'domain', name: moved } })).status,
    ).toBe(201);
    await new CertificateMaintenance(d.daemon.engine).tick();
    const renewal = async (key: string) =>
      (await d.store.jobs.list({ playbook: 'certificate.renew', limit: 200 })).filter(
        (j) => j.inputs.certificate === certs[key],
      );
    // The names still A's: a renewal job of A's, run by the schedule for it.
    expect(await renewal('kept')).toEqual([
      expect.objectContaining({ tenantId: a.id, forTenant: a.id, actedBy: 'renewal schedule' }),
    ]);
    // The site now B's: never renewed for A.
    expect(await renewal('moved')).toEqual([]);
    expect((await d.store.certificates.get(certs.moved))!.renewalFailures).toBe(1);
    // A's site with B's name beside it: refused before anything is asked of a CA, and said plainly.
    const [alias] = await renewal('alias');
    expect(alias).toMatchObject({ status: 'failed', error: { code: 'not_your_domain' } });
    expect(alias.error!.message).toContain(`www.${moved} is no longer one of your domains`);
    // The schedule's failure is the admins' to see (alerted), not a client struggling: no escalation for A.
    const later = new Date(Date.now() + (d.config.escalations.unresolvedMinutes + 1) * 60_000);
    await new StrugglingWatch(d.daemon.engine).sweep(later);
    expect(
      ((await d.api('GET', '/v1/escalations')).body.escalations as any[]).filter((e) => e.tenantId === a.id),
    ).toEqual([]);
  });
});
