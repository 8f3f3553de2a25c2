import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { keepStoreForScan, notePrivateKeys, noteSecrets, noteSecretsIn, scanLogFile } from './secrets-scan.js';
import pino from 'pino';
import { configSchema, type Config } from '../../src/config/schema.js';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import type { ActionContext, Services } from '../../src/engine/action.js';
import type { Logger } from '../../src/log.js';
import { SecretMasker } from '../../src/secrets.js';
import type { Store } from '../../src/store/store.js';
import { until } from './until.js';
import { tempDir } from './tmp.js';

export interface TestDaemon {
  url: string;
  adminToken: string;
  config: Config;
  store: Store;
  daemon: Daemon;
  api(
    method: string,
    path: string,
    o?: { body?: unknown; token?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any }>;
  /** Submits a job and waits for its terminal state; returns the job as the API shows it (secrets included, once). */
  runJob(
    playbook: string,
    inputs: Record<string, unknown>,
    o?: { token?: string; dryRun?: boolean; idempotencyKey?: string },
  ): Promise<any>;
  waitJob(id: string, token?: string): Promise<any>;
  /** Creates a tenant with a client token and the given resources. */
  tenant(
    id: string,
    o?: { language?: 'en' | 'fr'; domains?: string[]; servers?: string[] },
  ): Promise<{ token: string }>;
  /** Waits until the outbox has sent everything queued (webhooks and emails leave after the request): what a test reads next has arrived. */
  delivered(): Promise<void>;
  stop(): Promise<void>;
}

const TERMINAL = ['succeeded', 'failed', 'needs-attention'];

function merge(a: any, b: any): any {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return b === undefined ? a : b;
  const out = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
  return out;
}

/** A real daemon in this process, on a free port, with its own temporary store and state. */
export async function startTestDaemon(
  o: { config?: Record<string, unknown>; playbooksDir?: string; logLevel?: string; logger?: Logger } = {},
): Promise<TestDaemon> {
  const dir = tempDir('serein-test-');
  const config = configSchema.parse(
    merge(
      {
        server: { host: '127.0.0.1', port: 0 },
        store: o.config?.store ? undefined : { driver: 'sqlite', path: join(dir, 'serein.db') },
        stateDir: join(dir, 'state'),
        playbooks: o.playbooksDir ?? resolve(import.meta.dirname, '../../playbooks'),
        log: { level: 'silent' },
      },
      o.config,
    ),
  );
  // `logger`: a test that reads the daemon's log lines passes its own.
  // Every line is kept for the end-of-run secrets scan (test/helpers/secrets-scan.ts).
  const logFile = scanLogFile();
  const logger =
    o.logger ??
    (logFile
      ? pino({ level: o.logLevel ?? 'info' }, pino.destination({ dest: logFile, sync: true }))
      : pino({ level: 'silent' }));
  const daemon = await startDaemon(config, { logger });
  const adminToken = daemon.firstAdminToken ?? (await daemon.store.tokens.create('admin', null, 'test')).token;
  noteSecrets('admin token', adminToken);
  const api: TestDaemon['api'] = async (method, path, opt = {}) => {
    const token = opt.token === undefined ? adminToken : opt.token;
    const res = await fetch(daemon.url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(opt.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opt.headers,
      },
      body: opt.body === undefined ? undefined : JSON.stringify(opt.body),
    });
    const text = await res.text();
    const body = text ? JSON.parse(text) : undefined;
    noteSecretsIn(body);
    return { status: res.status, body };
  };
  // Reads the job through the API (what a client sees) when this daemon says it finished,
  // rather than polling: hundreds of waiters polling would take the CPU the jobs need.
  // The second check stays for a job another daemon finishes.
  const finished = (id: string, ms: number) => {
    let done = () => {};
    const seen = new Promise<void>((resolve) => {
      const onFinished = (job: { id: string }) => job.id === id && done();
      const timer = setTimeout(() => done(), ms);
      done = () => {
        clearTimeout(timer);
        daemon.engine.events.off('finished', onFinished);
        resolve();
      };
      daemon.engine.events.on('finished', onFinished);
    });
    return { seen, stop: () => done() };
  };
  const waitJob = async (id: string, token?: string) => {
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      const wake = finished(id, delay); // listening before the read: a job finishing in between is not missed
      const res = await api('GET', `/v1/jobs/${id}`, { token });
      if (res.status !== 200 || TERMINAL.includes(res.body.job.status)) wake.stop();
      if (res.status !== 200) throw new Error(`GET job ${id}: ${res.status} ${JSON.stringify(res.body)}`);
      if (TERMINAL.includes(res.body.job.status)) return res.body.job;
      await wake.seen;
    }
  };
  return {
    url: daemon.url,
    adminToken,
    config,
    store: daemon.store,
    daemon,
    api,
    waitJob,
    async runJob(playbook, inputs, opt = {}) {
      const res = await api('POST', '/v1/jobs', {
        token: opt.token,
        body: { playbook, inputs, dryRun: opt.dryRun, idempotencyKey: opt.idempotencyKey },
      });
      if (res.status !== 202 && res.status !== 200)
        throw Object.assign(new Error(`POST /v1/jobs: ${res.status} ${JSON.stringify(res.body)}`), { response: res });
      return waitJob(res.body.job.id, opt.token);
    },
    async tenant(id, opt = {}) {
      const t = await api('POST', '/v1/tenants', {
        body: { id, name: `Tenant ${id}`, language: opt.language ?? 'en' },
      });
      if (t.status !== 201) throw new Error(`tenant ${id}: ${JSON.stringify(t.body)}`);
      for (const d of opt.domains ?? [])
        await api('POST', `/v1/tenants/${id}/resources`, { body: { kind: 'domain', name: d } });
      for (const s of opt.servers ?? [])
        await api('POST', `/v1/tenants/${id}/resources`, { body: { kind: 'server', name: s } });
      const tok = await api('POST', '/v1/tokens', { body: { kind: 'client', tenantId: id } });
      return { token: tok.body.token };
    },
    async delivered() {
      const waiting = async (status: 'pending' | 'sending') =>
        (await daemon.store.outbox.list({ status, limit: 1 })).length;
      await until(
        async () => (await waiting('pending')) + (await waiting('sending')) === 0,
        30_000,
        'the outbox to send what it holds',
      );
    },
    async stop() {
      // The lab's nginx is shared: take down every site this daemon published, so no
      // configuration is left pointing at files that are about to be removed.
      if (daemon.engine.playbooks.has('vhost.delete')) {
        for (const site of await daemon.store.tenants.listResources({ kind: 'vhost' })) {
          const res = await api('POST', '/v1/jobs', {
            body: { playbook: 'vhost.delete', inputs: { domain: site.name } },
          });
          if (res.status === 202) await waitJob(res.body.job.id);
        }
      }
      await daemon.stop();
      // A site a failed delete left behind must not outlive the files it names: every
      // later `nginx -t` on the shared nginx would fail on them.
      for (const ws of Object.values(config.webservers)) {
        if (!existsSync(ws.vhostDir)) continue;
        const stale = readdirSync(ws.vhostDir).filter(
          (f) =>
            f.endsWith('.conf') &&
            [ws.certDir, ws.webRoot, ws.logDir].some((p) => readFileSync(join(ws.vhostDir, f), 'utf8').includes(p)),
        );
        for (const f of stale) rmSync(join(ws.vhostDir, f), { force: true });
        if (stale.length && ws.target === 'local') spawnSync(ws.nginx[0], [...ws.nginx.slice(1), '-s', 'reload']);
      }
      for (const ws of Object.values(config.webservers)) notePrivateKeys(ws.certDir);
      if (config.store.driver === 'sqlite') keepStoreForScan(config.store.path);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An action context outside any job, for calling an action's compensate() as a restarted daemon would. */
export function bareActionContext(services: Services, tenantId: string | null): ActionContext {
  return {
    jobId: 'recovery',
    tenantId,
    language: 'en',
    services,
    secrets: new SecretMasker(),
    signal: new AbortController().signal,
    log: () => undefined,
    checkpoint: async () => undefined,
    reached: () => undefined,
  };
}
