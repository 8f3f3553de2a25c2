import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { freePort, haltingSerein, type SereinChild } from './process.js';
import { noteSecretsIn } from './secrets-scan.js';
import { keepServeLog, serveApi, serveReady } from './serve-process.js';
import { until } from './until.js';

const TERMINAL = ['succeeded', 'failed', 'needs-attention'];

/** A job as the API reads it back: its record and its steps. */
export type JobRead = { job: any; steps: any[] };

/**
 * The `serein serve` daemon of a process-based crash test (./halting-serve.ts): started on a
 * free port with the configuration `config` builds around its `server` and `store`, frozen at
 * a point an action names, SIGKILLed there and started again on the same store. One class for
 * every such test, so a fix to how a kill is waited on reaches them all.
 */
export class HaltingDaemon {
  /** The running child (replaced at each restart). */
  child: SereinChild | undefined;
  /** The admin token, read from the first start's banner. */
  token = '';

  private constructor(
    readonly url: string,
    readonly configFile: string,
    readonly haltFile: string,
    /** The SQLite store the daemon writes, for a test to read what it left. */
    readonly store: { driver: 'sqlite'; path: string },
    /** How long a job or a halt is waited for: minutes on a loaded 2-core machine for long operations. */
    private readonly deadlineMs: number,
  ) {}

  /**
   * Writes `config` into `dir`, with the daemon's address, its store in `dir`, serein's own
   * playbooks and its log at info (what the halt is read from) unless `config` names others, and
   * starts the daemon.
   */
  static async start(dir: string, config: object, deadlineMs = 60_000): Promise<HaltingDaemon> {
    const port = await freePort();
    const server = { host: '127.0.0.1', port };
    const store = { driver: 'sqlite' as const, path: join(dir, 'serein.db') };
    const playbooks = resolve(import.meta.dirname, '../../playbooks');
    const d = new HaltingDaemon(
      `http://${server.host}:${port}`,
      join(dir, 'config.yaml'),
      join(dir, 'halt-at'),
      store,
      deadlineMs,
    );
    writeFileSync(
      d.configFile,
      JSON.stringify({ playbooks, log: { level: 'info' }, ...config, server, store }, null, 2),
    ); // JSON is YAML
    await d.restart();
    return d;
  }

  private async restart(): Promise<void> {
    this.child = haltingSerein(this.configFile, this.haltFile);
    this.token = await serveReady(this.child, this.url, this.token);
  }

  /** One API call, as the admin unless `as` names another token; throws on an answer of 300 or more. */
  api = (method: string, path: string, body?: unknown, as = this.token): Promise<any> =>
    serveApi(this.url, as, method, path, body);

  /** Waits until the job ends, read with `as`'s token (a shown-once result goes to whoever asked for it). */
  waitJob(id: string, as = this.token): Promise<JobRead> {
    return until(
      async () => {
        const r = await this.api('GET', `/v1/jobs/${id}`, undefined, as);
        return TERMINAL.includes(r.job.status) ? r : undefined;
      },
      this.deadlineMs,
      `job ${id} to end`,
    );
  }

  /**
   * How a job ended without halting (a failure of the test, said with its error rather than
   * waited on until the deadline). Asked with a short limit: a daemon that freezes at the point
   * while answering never answers, and the halt is then read from its output at the next turn.
   */
  private async endedWith(id: string): Promise<string | undefined> {
    const res = await fetch(`${this.url}/v1/jobs/${id}`, {
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(2000),
    }).catch(() => undefined);
    const r = res?.ok ? ((await res.json().catch(() => undefined)) as { job: JobRead['job'] } | undefined) : undefined;
    if (r) noteSecretsIn(r);
    return r && TERMINAL.includes(r.job.status)
      ? `job ended ${r.job.status}: ${JSON.stringify(r.job.error)}`
      : undefined;
  }

  /**
   * Submits a job (as the client `as`), the daemon halting at `point`; SIGKILLs it there, starts it
   * again, and waits for the restarted daemon to end the job.
   */
  async killedAt(point: string, playbook: string, inputs: Record<string, unknown>, as: string): Promise<JobRead> {
    writeFileSync(this.haltFile, point);
    const id = (await this.api('POST', '/v1/jobs', { playbook, inputs }, as)).job.id;
    const killed = this.child!;
    let ended: string | undefined;
    const halted = await until(
      async () =>
        killed.output().includes(`halted at ${point} `) ||
        (killed.exitCode !== null ? Promise.reject(new Error('exited')) : undefined) ||
        (ended = await this.endedWith(id)) !== undefined,
      this.deadlineMs,
      `the daemon to halt at ${point}`,
    ).catch((err: Error) => err);
    // Killed and started again whatever happened: the next test must not meet a frozen daemon.
    killed.kill('SIGKILL');
    await killed.exited;
    keepServeLog(killed);
    writeFileSync(this.haltFile, '');
    await this.restart();
    if (halted instanceof Error) throw halted;
    if (ended) throw new Error(ended);
    return this.waitJob(id);
  }

  /**
   * The test file's end: runs `jobs` (what a failed test must not leave to the next ones, each
   * waited for, failures ignored), stops the daemon, and keeps its log for the secrets scan.
   */
  async stop(jobs: (readonly [string, Record<string, unknown>])[] = []): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      writeFileSync(this.haltFile, '');
      for (const [playbook, inputs] of jobs) {
        const id = await this.api('POST', '/v1/jobs', { playbook, inputs }).catch(() => undefined);
        if (id) await this.waitJob(id.job.id).catch(() => undefined);
      }
      child.kill('SIGTERM');
      await child.exited;
    }
    if (child) keepServeLog(child);
  }
}

/**
 * A job the restarted daemon found cut by the kill: failed as interrupted, every undo done.
 * `more` adds what tells, on a failure, whose fault it is (a server still listening...).
 */
export function expectUndoneAfterKill({ job, steps }: JobRead, more: () => object = () => ({})): void {
  expect(job.status, JSON.stringify({ error: job.error, steps, ...(job.status === 'failed' ? {} : more()) })).toBe(
    'failed',
  );
  expect(job.error.code).toBe('interrupted');
  expect(steps.filter((s) => s.status === 'compensation-failed')).toEqual([]);
}
