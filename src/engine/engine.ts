import { EventEmitter } from 'node:events';
import type { Config } from '../config/schema.js';
import { notFound, type Language } from '../errors.js';
import type { Logger } from '../log.js';
import { tenantQuota, tooManyJobs } from '../quotas.js';
import { SecretMasker, type SealBox } from '../secrets.js';
import { AuditBatch } from '../store/audit-batch.js';
import type { Job } from '../store/jobs.js';
import type { Store } from '../store/store.js';
import type { Caller } from '../store/tokens.js';
import type { Action, Services } from './action.js';
import { domainKey, notYours } from '../resources/domain.js';
import { can } from '../resources/policy.js';
import { adminInput } from './errors.js';
import { validateInputs, type InputWorld } from './inputs.js';
import { loadPlaybooks, type Playbook } from './playbook.js';
import { JobRunner, type CheckpointHook } from './runner.js';
import { render } from './template.js';
import { refuseUntyped } from './typed-name.js';
import { Worker } from './worker.js';

export interface EngineOptions {
  config: Config;
  store: Store;
  logger: Logger;
  /** The components actions use, built once by the daemon (src/composition.ts). */
  services: Services;
  actions: Action[];
  seal: SealBox;
  /** Tests only, through startDaemon's options: see CheckpointHook. */
  onCheckpoint?: CheckpointHook;
}

export interface SubmitRequest {
  playbook: string;
  inputs?: Record<string, unknown>;
  dryRun?: boolean;
  idempotencyKey?: string;
}

/**
 * Where a caller's idempotency keys live: admins apart from every tenant, and each tenant
 * apart from the others, so no tenant id (not even a reserved word) can reach another's jobs.
 */
export function idempotencyNamespace(caller: Caller): string {
  // serein's own keys when it acts for a tenant (the schedule's renewals): a client could otherwise take one first.
  return caller.kind === 'admin' || caller.onBehalf ? 'admin::' : `client:${caller.tenantId}:`;
}

/** Inputs only admins may set (such as the tenant a database is for) are refused from clients, before anything is derived from them. */
function refuseAdminInputs(pb: Playbook, inputs: Record<string, unknown>): void {
  const given = Object.entries(pb.inputs)
    .filter(([name, spec]) => spec.admin && inputs[name] !== undefined)
    .map(([name]) => name);
  if (!given.length) return;
  throw adminInput(given);
}

/**
 * The operations engine: turns a request into a validated, durable job and runs it.
 * It knows nothing about certificates, nginx or databases: that is in playbooks and actions.
 */
export class Engine {
  readonly playbooks: Map<string, Playbook>;
  readonly actions: Map<string, Action>;
  readonly services: Services;
  /** 'event' (job id) whenever a job has a new event, for live streams; 'finished' (job) when one ends. */
  readonly events = new EventEmitter().setMaxListeners(0);
  private readonly worker: Worker;
  private readonly runner: JobRunner;
  /** The jobs' audit lines (submitted, finished) of one turn in one INSERT: a burst of jobs wrote one statement and commit each. */
  private readonly audits: AuditBatch;

  constructor(private readonly o: EngineOptions) {
    this.actions = new Map(o.actions.map((a) => [a.name, a]));
    this.playbooks = loadPlaybooks(o.config.playbooks, this.actions);
    this.services = o.services;
    this.audits = new AuditBatch(o.store.audit);
    this.runner = new JobRunner({
      services: this.services,
      actions: this.actions,
      seal: o.seal,
      onEvent: (id) => this.events.emit('event', id),
      onCheckpoint: o.onCheckpoint,
    });
    const targetLimit = (name: string) => {
      const t = o.config.targets[name];
      return (t && 'maxConcurrency' in t && t.maxConcurrency) || o.config.workers.perTarget;
    };
    this.worker = new Worker({
      jobs: o.store.jobs,
      logger: o.logger,
      concurrency: o.config.workers.concurrency,
      perTarget: targetLimit,
      soleOwner: o.store.dialect === 'sqlite',
      run: (job, signal) => this.execute(job, signal),
      recover: (job) => this.execute(job, undefined),
    });
  }

  start(): void {
    this.worker.start();
  }

  async stop(graceMs = 1000): Promise<void> {
    await this.worker.stop(graceMs);
  }

  /** The playbooks this caller may run. */
  visiblePlaybooks(caller: Caller): Playbook[] {
    return [...this.playbooks.values()].filter((p) => p.allowed.includes(caller.kind) && this.available(p));
  }

  /** Whether every action of a playbook can run on this daemon (no DNS provider: no DNS repair). */
  private available(pb: Playbook): boolean {
    return [...pb.preflight, ...pb.steps, ...pb.verify].every(
      (s) => this.actions.get(s.action)?.available?.(this.services) ?? true,
    );
  }

  private world(): InputWorld {
    const sections = this.o.config as unknown as Record<string, unknown>;
    return { names: (section) => Object.keys((sections[section] as Record<string, unknown> | undefined) ?? {}) };
  }

  /** Validates, checks ownership, and queues a job. Nothing runs before every check passed. */
  async submit(caller: Caller, req: SubmitRequest, language: Language): Promise<{ job: Job; created: boolean }> {
    const pb = this.playbooks.get(req.playbook);
    if (!pb || !pb.allowed.includes(caller.kind) || (caller.kind === 'client' && !this.available(pb)))
      throw notFound({ en: `Operation "${req.playbook}"`, fr: `L'opération « ${req.playbook} »` });
    const idempotencyKey = req.idempotencyKey ? idempotencyNamespace(caller) + req.idempotencyKey : null;
    if (idempotencyKey) {
      const existing = await this.o.store.jobs.byIdempotencyKey(idempotencyKey);
      if (existing) return { job: existing, created: false };
    }
    const inputs = validateInputs(pb.inputs, req.inputs ?? {}, this.world());
    if (caller.kind === 'client') {
      refuseAdminInputs(pb, inputs);
      if (!req.dryRun) refuseUntyped(pb, inputs); // a check of a removal needs no typed name: nothing goes
      await this.checkOwnership(caller, pb, inputs);
    }
    // Locks and targets are rendered only from validated values, and a client's from its own tenant.
    const scope = { inputs, tenant: caller.tenantId ?? '' };
    const first = pb.steps[0] && this.actions.get(pb.steps[0].action);
    const resource =
      (!req.dryRun && (await first?.lockOf?.(this.services, inputs, caller.tenantId ?? null))) ||
      (pb.resource ? String(render(pb.resource, scope)) : null);
    const target = pb.target ? String(render(pb.target, scope)) : null;
    const masker = new SecretMasker();
    const result = await this.o.store.jobs.create({
      playbook: pb.name,
      inputs,
      dryRun: !!req.dryRun,
      tenantId: caller.tenantId,
      forTenant: caller.kind === 'client' ? caller.tenantId : await this.tenantOwning(pb, inputs),
      actedBy: caller.onBehalf?.by ?? null,
      tokenId: caller.tokenId,
      idempotencyKey,
      resource: req.dryRun ? null : resource,
      target,
      language,
      // A client's tenant has at most so many jobs queued or running: its flood cannot fill the queue others wait in.
      maxActive:
        caller.kind === 'client' && (caller.onBehalf?.jobQuota ?? true)
          ? { max: tenantQuota(this.o.config, caller.tenantId!).runningJobs, tooMany: tooManyJobs }
          : undefined,
    });
    if (result.created) {
      await this.audits.append({
        tokenId: caller.tokenId,
        tenantId: caller.tenantId,
        action: `job.submit:${pb.name}`,
        subject: resource,
        inputs: masker.maskData(inputs),
        plan: undefined,
        result: 'queued',
        detail: {
          jobId: result.job.id,
          dryRun: !!req.dryRun,
          ...(caller.onBehalf ? { onBehalfOf: caller.tenantId, by: caller.onBehalf.by } : {}),
        },
      });
      this.events.emit('submitted', result.job); // counted by /metrics
      this.worker.wake();
    }
    return result;
  }

  /** Every input marked `owned` must name something the caller may use, by the tenancy policy (src/resources/policy.ts). */
  private async checkOwnership(caller: Caller, pb: Playbook, inputs: Record<string, unknown>): Promise<void> {
    for (const [field, spec] of Object.entries(pb.inputs)) {
      if (!spec.owned || inputs[field] === undefined) continue;
      const values = Array.isArray(inputs[field]) ? (inputs[field] as string[]) : [String(inputs[field])];
      for (const value of values) {
        if (!(await can(this.o.store.tenants, caller, 'use', { inputType: spec.type, name: value })))
          throw spec.type === 'domain' || spec.type === 'domains'
            ? notYours(value)
            : notFound({ en: `"${value}"`, fr: `« ${value} »` });
      }
    }
  }

  /**
   * The tenant an admin's job works for, from its validated values only: the owner of the
   * first domain it names (a site, a certificate's names), else the tenant it names (a
   * database). So a job run by an admin or the schedule on a client's site is the client's too.
   */
  private async tenantOwning(pb: Playbook, inputs: Record<string, unknown>): Promise<string | null> {
    for (const [field, spec] of Object.entries(pb.inputs)) {
      if ((spec.type !== 'domain' && spec.type !== 'domains') || inputs[field] === undefined) continue;
      const first = Array.isArray(inputs[field]) ? (inputs[field] as string[])[0] : String(inputs[field]);
      const key = first && domainKey(first);
      const owner = key ? await this.o.store.tenants.domainOwner(key) : undefined;
      if (owner) return owner;
    }
    const named = typeof inputs.tenant === 'string' ? await this.o.store.tenants.get(inputs.tenant) : undefined;
    return named?.id ?? null;
  }

  /** Whether a tenant may name this value in an input of this type (its kind's ownership rule). */
  async owns(tenantId: string, type: string, value: string): Promise<boolean> {
    return can(this.o.store.tenants, { kind: 'client', tenantId }, 'use', { inputType: type, name: value });
  }

  /** A job as this caller may see it: another tenant's job does not exist for them. */
  async job(caller: Caller, id: string): Promise<Job> {
    const job = await this.o.store.jobs.get(id);
    if (!job || (caller.kind === 'client' && job.forTenant !== caller.tenantId))
      throw notFound({ en: `Job ${id}`, fr: `La tâche ${id}` });
    return job;
  }

  /** The secret part of a finished job's result, handed over once then erased. */
  async takeSecretResult(job: Job): Promise<Record<string, unknown> | undefined> {
    const sealed = await this.o.store.jobs.takeSecretResult(job.id);
    return sealed ? JSON.parse(this.o.seal.open(sealed)) : undefined;
  }

  /** Runs a claimed job, or, without a signal, compensates one interrupted by a daemon stop; then audits the outcome. */
  private async execute(job: Job, signal: AbortSignal | undefined): Promise<void> {
    const pb = this.playbooks.get(job.playbook);
    if (signal && pb) await this.runner.run(job, pb, signal);
    else await this.runner.recover(job, pb);
    const finished = await this.o.store.jobs.get(job.id);
    if (finished) this.events.emit('finished', finished);
    if (finished && !job.dryRun) {
      await this.audits.append({
        tokenId: job.tokenId,
        tenantId: job.tenantId,
        action: `job.finish:${job.playbook}`,
        subject: job.resource,
        inputs: new SecretMasker().maskData(job.inputs),
        plan: (await this.o.store.jobs.stepStatuses(job.id)).map((s) => ({
          step: s.name,
          action: s.action,
          status: s.status,
        })),
        result: finished.status,
        detail: {
          jobId: job.id,
          error: finished.error ?? undefined,
          startedAt: finished.startedAt,
          finishedAt: finished.finishedAt,
        },
      });
    }
  }
}
