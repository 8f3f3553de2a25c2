import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/playbooks');

describe('operations engine on the local target', () => {
  let d: TestDaemon;
  let dir: string;
  beforeAll(async () => {
    d = await startTestDaemon({ playbooksDir: fixtures });
    dir = mkdtempSync(join(tmpdir(), 'serein-engine-'));
  });
  afterAll(async () => {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a playbook: the file is written with its mode, the program ran, the result is returned', async () => {
    const job = await d.runJob('sample.write', { server: 'local', dir, name: 'greeting', message: 'world' });
    expect(job.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'greeting.txt'), 'utf8')).toBe('hello world\n');
    expect(statSync(join(dir, 'greeting.txt')).mode & 0o777).toBe(0o600);
    expect(job.result).toMatchObject({ path: join(dir, 'greeting.txt'), echoed: 'world' });
  });

  it('dry-run returns the plan with a diff and changes nothing', async () => {
    const job = await d.runJob(
      'sample.write',
      { server: 'local', dir, name: 'dry', message: 'planned' },
      { dryRun: true },
    );
    expect(job.status).toBe('succeeded');
    const write = job.plan.find((p: any) => p.kind === 'file');
    expect(write.diff).toContain('+hello planned');
    expect(job.plan.find((p: any) => p.kind === 'program').argv).toEqual(['printf', '%s', 'planned']);
    expect(job.plan.map((p: any) => p.step)).toEqual(['write', 'echo', 'check']); // `fail` and `secret` are off
    expect(existsSync(join(dir, 'dry.txt'))).toBe(false);
  });

  it("a dry-run plan reads in the client's language; the store keeps both", async () => {
    const fr = await d.tenant('planfr', { language: 'fr', servers: ['local'] });
    const job = await d.runJob(
      'sample.write',
      { server: 'local', dir, name: 'plan_fr', message: 'bonjour' },
      { token: fr.token },
    );
    expect(job.status).toBe('succeeded');
    const dry = await d.runJob(
      'sample.write',
      { server: 'local', dir, name: 'plan_fr', message: 'salut', secret: true },
      { token: fr.token, dryRun: true },
    );
    expect(dry.status).toBe('succeeded');
    const path = join(dir, 'plan_fr.txt');
    expect(dry.plan.map((p: any) => p.summary).slice(0, 3)).toEqual([
      `écrire ${path}`,
      'exécuter printf',
      'générer un mot de passe (affiché une seule fois dans le résultat)',
    ]);
    expect(dry.result.plan.map((p: any) => p.summary)).toEqual(dry.plan.map((p: any) => p.summary));
    // Admins read it in theirs; the stored plan holds both languages.
    const asAdmin = await d.api('GET', `/v1/jobs/${dry.id}`);
    expect(asAdmin.body.job.plan.map((p: any) => p.summary).slice(0, 2)).toEqual([`write ${path}`, 'run printf']);
    expect(((await d.store.jobs.get(dry.id))!.plan as any[])[0].summary).toEqual({
      en: `write ${path}`,
      fr: `écrire ${path}`,
    });
    expect(readFileSync(path, 'utf8')).toBe('hello bonjour\n');
  });

  it('a failing step undoes what the job did, and says why', async () => {
    const job = await d.runJob('sample.write', { server: 'local', dir, name: 'undone', message: 'x', fail: true });
    expect(job.status).toBe('failed');
    expect(existsSync(join(dir, 'undone.txt'))).toBe(false);
    expect(job.error.code).toBe('program_failed');
    expect(job.error.hint).toMatch(/Nothing was left half-done/);
    expect(job.error.detail).toContain('cannot do it');
  });

  it('a failed undo ends in needs-attention and alerts the admins', async () => {
    const job = await d.runJob('sample.badundo', {});
    expect(job.status).toBe('needs-attention');
    const alerts = await d.api('GET', '/v1/alerts');
    expect(alerts.body.alerts.some((a: any) => a.kind === 'needs-attention' && a.detail.jobId === job.id)).toBe(true);
  });

  it('request values reach programs as one literal argument, never as shell syntax', async () => {
    const pwned = join(dir, 'pwned');
    for (const message of [`x; touch ${pwned}`, `$(touch ${pwned})`, `\`touch ${pwned}\``, `a' "b" | touch ${pwned}`]) {
      const job = await d.runJob('sample.write', { server: 'local', dir, name: 'literal', message });
      expect(job.status).toBe('succeeded');
      expect(job.result.echoed).toBe(message);
    }
    expect(existsSync(pwned)).toBe(false);
  });

  it('rejects a hostile identifier or path with a clear 400 before anything runs', async () => {
    for (const [field, value] of [
      ['name', 'x; touch /tmp/pwned'],
      ['name', '$(id)'],
      ['dir', '../etc'],
      ['dir', `${dir}/../../etc`],
    ] as const) {
      const res = await d.api('POST', '/v1/jobs', {
        body: { playbook: 'sample.write', inputs: { server: 'local', dir, name: 'ok', message: 'm', [field]: value } },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_input');
      expect(res.body.error.message).toContain(field);
      expect(res.body.error.hint).toBeTruthy();
    }
    const unknown = await d.api('POST', '/v1/jobs', {
      body: { playbook: 'sample.write', inputs: { server: 'local', dir, name: 'ok', message: 'm', extra: 1 } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('extra');
  });

  it('the same idempotency key returns the same job', async () => {
    const body = {
      playbook: 'sample.write',
      inputs: { server: 'local', dir, name: 'idem', message: 'once' },
      idempotencyKey: 'k-1',
    };
    const [a, b] = await Promise.all([d.api('POST', '/v1/jobs', { body }), d.api('POST', '/v1/jobs', { body })]);
    expect(a.body.job.id).toBe(b.body.job.id);
    expect([a.status, b.status].sort()).toEqual([200, 202]);
  });

  it('a generated secret is returned once, then never again, and never logged or audited', async () => {
    const job = await d.runJob('sample.write', { server: 'local', dir, name: 'secret', message: 'm', secret: true });
    expect(job.result.password).toMatch(/^[A-Za-z0-9]{24}$/);
    const again = await d.api('GET', `/v1/jobs/${job.id}`);
    expect(again.body.job.result.password).toBeUndefined();
    const everything = JSON.stringify([
      await d.store.jobs.events(job.id),
      await d.store.jobs.steps(job.id),
      await d.store.jobs.get(job.id),
      (await d.api('GET', '/v1/audit')).body,
    ]);
    expect(everything).not.toContain(job.result.password);
  });

  it('streams progress as server-sent events until the job ends', async () => {
    const res = await d.api('POST', '/v1/jobs', {
      body: { playbook: 'sample.write', inputs: { server: 'local', dir, name: 'sse', message: 'm' } },
    });
    const stream = await fetch(`${d.url}/v1/jobs/${res.body.job.id}/events`, {
      headers: { authorization: `Bearer ${d.adminToken}` },
    });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const text = await stream.text();
    expect(text).toContain('event: step');
    expect(text).toContain('write done');
    expect(text).toMatch(/event: end\ndata: {"status":"succeeded"}/);
  });

  it('keeps an append-only audit trail of who ran what', async () => {
    const audit = (await d.api('GET', '/v1/audit?action=job.finish:sample.write')).body.entries;
    expect(audit.length).toBeGreaterThan(0);
    expect(audit[0]).toMatchObject({ action: 'job.finish:sample.write', tenantId: null });
    expect(audit[0].tokenId).toBeTruthy();
    // Its plan: each step of the job, in order, with how it ended.
    const steps = await d.store.jobs.steps(audit[0].detail.jobId);
    expect(audit[0].plan).toEqual(steps.map((s) => ({ step: s.name, action: s.action, status: s.status })));
    expect(audit[0].plan.map((s: { step: string }) => s.step)).toContain('write');
    await expect(d.store.db.deleteFrom('audit').execute()).rejects.toThrow(/append-only/);
    await expect(d.store.db.updateTable('audit').set({ result: 'x' }).execute()).rejects.toThrow(/append-only/);
  });
});
