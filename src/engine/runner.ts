import { OperationError, toOperationError, type Language } from '../errors.js';
import { SecretMasker, type SealBox } from '../secrets.js';
import type { Job, JobStore, StepRecord } from '../store/jobs.js';
import type { Action, ActionContext, PlanItem, Services } from './action.js';
import { interrupted, invalidStep, unknownAction } from './errors.js';
import type { Phase, Playbook, PlaybookStep } from './playbook.js';
import { render, type RenderScope } from './template.js';
import { wait } from '../util/concurrency.js';

/** What the runner needs from the engine; kept small so the runner stays testable. */
export interface RunnerDeps {
  services: Services;
  actions: Map<string, Action>;
  seal: SealBox;
  /** Called after every event is stored, to wake up streams. */
  onEvent(jobId: string): void;
  /** Set only by tests that build the daemon in-process (see CheckpointHook). */
  onCheckpoint?: CheckpointHook;
}

/** Where a job stands when an action names a point of its step (ActionContext.reached). */
export interface CheckpointAt {
  job: Job;
  step: string;
  point: string;
}

/**
 * Called at each point an action names, before the action goes on: the one way for a test
 * to stop a daemon exactly there (a crash test freezes it and SIGKILLs it). Only code that
 * builds the daemon in-process can set it (startDaemon's options); `serein serve` never
 * does, and nothing reads it from the environment, so no client can reach it.
 */
export type CheckpointHook = (at: CheckpointAt) => void;

interface FlatStep {
  idx: number;
  phase: Phase;
  step: PlaybookStep;
}

const flatten = (pb: Playbook): FlatStep[] => {
  let idx = 0;
  return (['preflight', 'steps', 'verify'] as const).flatMap((phase) =>
    pb[phase].map((step) => ({ idx: idx++, phase, step })),
  );
};

/** A stored error carries both languages so each reader gets their own. */
export function storedError(err: OperationError) {
  return {
    ...err.toJSON('en', true),
    fr: { message: err.userMessage.fr, hint: err.hint.fr, ...(err.technical ? { technical: err.technical.fr } : {}) },
  };
}

/** Waits before an undo that could not reach its server is tried again (then it needs an admin). */
const UNDO_RETRY_MS = [1000, 4000, 16000];

/** A failure to reach a server (refused, cut, timed out), not a refusal by it: worth another try. */
function unreachable(e: OperationError): boolean {
  return (
    /unreachable|connection_lost/.test(e.code) ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|Connection terminated|terminating connection|server closed the connection|Connection lost|connection (?:was )?closed/i.test(
      `${e.detail ?? ''} ${e.message}`,
    )
  );
}

/** What a caller reads when an undo failed: the truth, and who finishes the job. */
const NOT_UNDONE = {
  message: {
    en: 'The operation was interrupted and could not be fully undone.',
    fr: "L'opération a été interrompue et n'a pas pu être entièrement annulée.",
  },
  hint: {
    en: 'Part of it could not be undone. Your provider has been alerted and will finish it; there is nothing for you to do.',
    fr: "Une partie n'a pas pu être annulée. Votre hébergeur a été prévenu et s'en charge ; vous n'avez rien à faire.",
  },
};

/**
 * Runs one claimed job to a terminal state: each step is recorded before and after it
 * runs; on any failure, the steps done so far are compensated in reverse order.
 */
export class JobRunner {
  private readonly jobs: JobStore;

  constructor(private readonly deps: RunnerDeps) {
    this.jobs = deps.services.store.jobs;
  }

  private scope(job: Job, steps: Record<string, unknown>): RenderScope {
    return {
      inputs: job.inputs,
      steps,
      job: { id: job.id, tenant: job.tenantId ?? 'admin' },
      tenant: job.tenantId ?? 'admin',
    };
  }

  private context(job: Job, masker: SecretMasker, idx: number, step: string, signal: AbortSignal): ActionContext {
    return {
      jobId: job.id,
      tenantId: job.tenantId,
      language: job.language as Language,
      services: this.deps.services,
      secrets: masker,
      signal,
      log: (message, data) => void this.event(job.id, 'log', masker.mask(message), data && masker.maskData(data)),
      checkpoint: (data) => this.jobs.checkpointStep(job.id, idx, data),
      reached: (point) => this.deps.onCheckpoint?.({ job, step, point }),
    };
  }

  private async event(jobId: string, kind: string, message: string, data?: unknown): Promise<void> {
    try {
      await this.jobs.addEvent(jobId, kind, message, data);
      this.deps.onEvent(jobId);
    } catch (err) {
      this.deps.services.logger.warn({ err, jobId }, 'could not record job event');
    }
  }

  private action(name: string): Action {
    const a = this.deps.actions.get(name);
    if (!a) throw unknownAction(name);
    return a;
  }

  private params(
    action: Action,
    raw: Record<string, unknown>,
    scope: RenderScope,
    lenient: boolean,
    where: string,
  ): unknown {
    const parsed = action.params.safeParse(render(raw, scope, { lenient }));
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw invalidStep(`${where} (${action.name})`, detail);
    }
    return parsed.data;
  }

  /** Runs a job, dry or real. Never throws: every outcome is recorded on the job. */
  async run(job: Job, pb: Playbook, signal: AbortSignal): Promise<void> {
    const masker = new SecretMasker();
    const outputs: Record<string, Record<string, unknown>> = {};
    const done: FlatStep[] = [];
    const checkpoints = new Map<number, unknown>();
    await this.event(job.id, 'status', 'running');
    try {
      const plan: (PlanItem & { step: string })[] = [];
      for (const fs of flatten(pb)) {
        if (job.dryRun && fs.phase !== 'preflight') {
          // A step whose condition is already known to be false is not part of the plan.
          if (fs.step.when !== undefined && !render(fs.step.when, this.scope(job, outputs), { lenient: true }))
            continue;
          const action = this.action(fs.step.action);
          const params = this.params(action, fs.step.with, this.scope(job, outputs), true, `${fs.phase}.${fs.step.id}`);
          const items = await action.plan(this.context(job, masker, fs.idx, fs.step.id, signal), params);
          plan.push(...items.map((i) => ({ ...masker.maskData(i), step: fs.step.id })));
          continue;
        }
        // A step's record and its log line are asked for together, so they share one turn of the store's
        // writes (one transaction) instead of waiting for one each; both are stored before the job goes on.
        if (fs.step.when !== undefined && !render(fs.step.when, this.scope(job, outputs))) {
          await Promise.all([
            this.jobs.startStep(job.id, fs.idx, fs.step.id, fs.step.action),
            this.jobs.endStep(job.id, fs.idx, 'skipped'), // after the record, in the same transaction
          ]);
          continue;
        }
        await Promise.all([
          this.jobs.startStep(job.id, fs.idx, fs.step.id, fs.step.action),
          this.event(job.id, 'step', `${fs.phase}: ${fs.step.id} started`, {
            step: fs.step.id,
            title: fs.step.title,
            phase: fs.phase,
            status: 'running',
          }),
        ]);
        done.push(fs);
        const action = this.action(fs.step.action);
        const params = this.params(action, fs.step.with, this.scope(job, outputs), false, `${fs.phase}.${fs.step.id}`);
        const ctx = this.context(job, masker, fs.idx, fs.step.id, signal);
        const origCheckpoint = ctx.checkpoint;
        ctx.checkpoint = async (data) => {
          checkpoints.set(fs.idx, data);
          await origCheckpoint(data);
        };
        const out = (await action.run(ctx, params)) ?? {};
        outputs[fs.step.id] = out;
        await Promise.all([
          this.jobs.endStep(job.id, fs.idx, 'done', { output: masker.maskData(out) }),
          this.event(job.id, 'step', `${fs.phase}: ${fs.step.id} done`, {
            step: fs.step.id,
            title: fs.step.title,
            phase: fs.phase,
            status: 'done',
          }),
        ]);
      }
      if (job.dryRun) {
        await this.jobs.setPlan(job.id, plan);
        await this.jobs.finish(job.id, 'succeeded', { result: { dryRun: true, plan } });
        await this.event(job.id, 'status', 'succeeded');
        return;
      }
      const result = render(pb.result, this.scope(job, outputs)) as Record<string, unknown>;
      const secret = Object.fromEntries(
        Object.entries(result).filter(([, v]) => typeof v === 'string' && masker.mask(v) !== v),
      );
      const shown = Object.fromEntries(Object.entries(result).filter(([k]) => !(k in secret)));
      // The job's end and its last log line share one turn of the store's writes (one transaction), the end first.
      await Promise.all([
        this.jobs.finish(job.id, 'succeeded', {
          result: shown,
          secretResult: Object.keys(secret).length ? this.deps.seal.seal(JSON.stringify(secret)) : null,
        }),
        this.event(job.id, 'status', 'succeeded'),
      ]);
    } catch (thrown) {
      const err = toOperationError(thrown);
      if (done.length)
        await this.jobs.setStepStatus(
          job.id,
          done[done.length - 1].idx,
          'failed',
          masker.mask(err.detail ?? err.message),
        );
      await this.event(job.id, 'error', masker.mask(err.userMessage.en), {
        code: err.code,
        detail: err.detail && masker.mask(err.detail),
      });
      const clean = await this.compensate(job, pb, done, (idx) => checkpoints.get(idx), outputs, masker, signal);
      await this.conclude(job, clean, err, masker);
    }
  }

  /**
   * Finishes a job found running after its daemon died: whatever it had done is undone
   * from the checkpoints it stored, so nothing is left half-created or done twice.
   */
  async recover(job: Job, pb: Playbook | undefined): Promise<void> {
    const records = await this.jobs.steps(job.id);
    const masker = new SecretMasker();
    const err = interrupted();
    await this.event(job.id, 'error', err.userMessage.en, { code: err.code });
    if (!pb) {
      await this.conclude(job, false, err, masker);
      return;
    }
    const byIdx = new Map<number, StepRecord>(records.map((r) => [r.idx, r]));
    const done = flatten(pb).filter((fs) => ['running', 'done', 'failed'].includes(byIdx.get(fs.idx)?.status ?? ''));
    const outputs = Object.fromEntries(
      records.filter((r) => r.output).map((r) => [r.name, r.output as Record<string, unknown>]),
    );
    const clean = await this.compensate(
      job,
      pb,
      done,
      (idx) => byIdx.get(idx)?.checkpoint ?? undefined,
      outputs,
      masker,
      new AbortController().signal,
    );
    await this.conclude(job, clean, err, masker);
  }

  private async conclude(job: Job, clean: boolean, err: OperationError, masker: SecretMasker): Promise<void> {
    const status = clean ? 'failed' : 'needs-attention';
    // An undo failed: whatever the error said about "nothing left half-done" is no longer true.
    const message = clean || err.code !== 'interrupted' ? err.userMessage : NOT_UNDONE.message;
    const masked = err.with({
      message,
      hint: clean ? err.hint : NOT_UNDONE.hint,
      detail: err.detail && masker.mask(err.detail),
    });
    masked.fields = undefined;
    // Nothing was left half-done: the offered request may be sent as it is.
    masked.offer = clean ? err.offer : undefined;
    masked.technical = err.technical && { en: masker.mask(err.technical.en), fr: masker.mask(err.technical.fr) };
    await Promise.all([
      this.jobs.finish(job.id, status, { error: storedError(masked) }),
      this.event(job.id, 'status', status),
    ]);
    if (!clean) {
      await this.deps.services.alert({
        kind: 'needs-attention',
        tenantId: job.tenantId,
        subject: job.resource ?? job.playbook,
        message: `Job ${job.id} (${job.playbook}) failed and could not be fully undone: check the job log.`,
        detail: { jobId: job.id, error: masked.detail ?? masked.message },
      });
    }
  }

  /** Undoes steps in reverse order. Returns false when any undo itself failed. */
  private async compensate(
    job: Job,
    pb: Playbook,
    done: FlatStep[],
    checkpointOf: (idx: number) => unknown,
    outputs: Record<string, unknown>,
    masker: SecretMasker,
    signal: AbortSignal,
  ): Promise<boolean> {
    let clean = true;
    for (const fs of [...done].reverse()) {
      const how = fs.step.compensate;
      if (how === false) continue;
      for (let attempt = 0; ; attempt++) {
        try {
          const ctx = this.context(job, masker, fs.idx, fs.step.id, signal);
          const scope = { ...this.scope(job, outputs), checkpoint: checkpointOf(fs.idx) };
          if (how) {
            const action = this.action(how.action);
            await action.run(ctx, this.params(action, how.with, scope, false, `compensate.${fs.step.id}`));
          } else {
            const action = this.action(fs.step.action);
            if (!action.compensate) break; // nothing to undo for this step
            const params = this.params(action, fs.step.with, scope, true, `${fs.phase}.${fs.step.id}`);
            await action.compensate(ctx, params, checkpointOf(fs.idx));
          }
          await this.jobs.setStepStatus(job.id, fs.idx, 'compensated');
          await this.event(job.id, 'step', `${fs.step.id} undone`, {
            step: fs.step.id,
            title: fs.step.title,
            status: 'compensated',
          });
          break;
        } catch (thrown) {
          const e = toOperationError(thrown);
          const detail = masker.mask(e.detail ?? e.message);
          // A server out of reach for a moment (restarting, a connection cut): every undo can run
          // again (a restarted daemon runs them again too), so it is retried with backoff first.
          const delay = UNDO_RETRY_MS[attempt];
          if (delay !== undefined && !signal.aborted && unreachable(e)) {
            await this.event(
              job.id,
              'error',
              `undoing ${fs.step.id} failed: ${detail}; trying again in ${delay / 1000} s`,
              { step: fs.step.id, title: fs.step.title, status: 'running' },
            );
            const stopped = await wait(delay, signal).then(
              () => false,
              () => true,
            );
            if (!stopped) continue;
          }
          clean = false;
          await this.jobs.setStepStatus(job.id, fs.idx, 'compensation-failed', detail);
          await this.event(job.id, 'error', `undoing ${fs.step.id} failed: ${detail}`, {
            step: fs.step.id,
            title: fs.step.title,
            status: 'compensation-failed',
          });
          break;
        }
      }
    }
    return clean;
  }
}
