import type { z } from 'zod';
import type { Language, Localized } from '../errors.js';
import type { SecretMasker } from '../secrets.js';

/**
 * What the engine lends every action and background service: the daemon's parts, never
 * its internals. Spelled out member by member in one place, src/composition.ts, which
 * builds it once per daemon: the engine names none of the feature components (nginx,
 * databases, certificates), so it declares only the name the engine and actions share.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- every member is declared in src/composition.ts
export interface Services {}

/** One line of a dry-run plan: what would change, secrets already masked. */
export interface PlanItem {
  kind: 'file' | 'program' | 'statement' | 'request' | 'record' | 'note';
  target?: string;
  /** For the client, in both languages (the API shows the caller's); paths, names, SQL stay as they are. */
  summary: Localized;
  /** Unified diff for files. */
  diff?: string;
  argv?: string[];
  statement?: string;
}

export interface ActionContext {
  readonly jobId: string;
  readonly tenantId: string | null;
  readonly language: Language;
  readonly services: Services;
  readonly secrets: SecretMasker;
  readonly signal: AbortSignal;
  /** Job log line; secrets are masked before it is stored or streamed. */
  log(message: string, data?: Record<string, unknown>): void;
  /**
   * Saves what undoing this step needs, BEFORE the change is made. If the daemon dies
   * mid-step, compensate() receives it after restart; without it, nothing had changed.
   */
  checkpoint(data: unknown): Promise<void>;
  /**
   * Names a point of the step ('order-issued') for tests that must stop the daemon exactly
   * there: handed to the runner's checkpoint hook, which only a daemon built in-process by
   * a test sets. Does nothing in `serein serve`.
   */
  reached(point: string): void;
}

/**
 * A typed, reusable unit of change (write a file, run a program, reload nginx...).
 * Playbooks compose actions; a new operation needs at most one new action.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an action of any parameters fits the registry (unknown would not, by variance)
export interface Action<P = any> {
  readonly name: string;
  /** Validated when the playbook loads (values containing templates are checked after rendering). */
  readonly params: z.ZodType<P>;
  /** What run() would do, with diffs, argv and statements; changes nothing. */
  plan(ctx: ActionContext, params: P): Promise<PlanItem[]>;
  /** Does it. The returned values are visible to later steps as steps.<id>.<key>. */
  run(ctx: ActionContext, params: P): Promise<Record<string, unknown> | void>;
  /**
   * Whether this daemon can run the action at all (dns.repair needs a DNS provider): a
   * playbook using an unavailable action is not offered, so a client never sees a button that cannot work.
   */
  available?(services: Services): boolean;
  /**
   * The lock a job takes when this action is its playbook's first step and the right one
   * depends on what is stored, not on the inputs alone (a trash item's site): used instead
   * of the playbook's `resource` when it answers; undefined keeps the playbook's.
   */
  lockOf?(services: Services, inputs: Record<string, unknown>, tenantId: string | null): Promise<string | undefined>;
  /** Undoes run() from its checkpoint (undefined when it never got that far). Must be idempotent. */
  compensate?(ctx: ActionContext, params: P, checkpoint: unknown): Promise<void>;
}

/** Declares an action with its parameter types inferred from the schema. */
export function defineAction<S extends z.ZodType>(
  a: Omit<Action<z.output<S>>, 'params'> & { params: S },
): Action<z.output<S>> {
  return a as Action<z.output<S>>;
}
