import type { Database } from './schema.js';

// What a job is, as stored and read back (its steps and events too): the shapes the
// engine, the API and the watches share, apart from the queries of JobStore (jobs.ts).

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'needs-attention';
export const TERMINAL: readonly JobStatus[] = ['succeeded', 'failed', 'needs-attention'];

export interface Job {
  id: string;
  playbook: string;
  inputs: Record<string, unknown>;
  dryRun: boolean;
  status: JobStatus;
  /** The tenant that asked (null: an admin or the schedule): quotas, shown-once secrets and struggling clients follow it. */
  tenantId: string | null;
  /** The tenant whose resource the job works on, whoever asked: the job shows on that tenant's page and lists. */
  forTenant: string | null;
  /** Who acted for the tenant (an admin's "do it for them", the renewal schedule), with the tenant's rights; null when the tenant or an admin as themself asked. */
  actedBy: string | null;
  tokenId: string | null;
  idempotencyKey: string | null;
  resource: string | null;
  target: string | null;
  language: 'en' | 'fr';
  plan: unknown;
  result: Record<string, unknown> | null;
  /** Encrypted secret part of the result, erased once shown. */
  secretResult: string | null;
  error: {
    code: string;
    message: string;
    hint: string;
    technical?: string;
    detail?: string;
    fr?: { message: string; hint: string; technical?: string };
  } | null;
  owner: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface StepRecord {
  idx: number;
  name: string;
  action: string;
  status: 'running' | 'done' | 'skipped' | 'failed' | 'compensated' | 'compensation-failed';
  checkpoint: unknown;
  output: unknown;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JobEvent {
  id: number;
  jobId: string;
  at: string;
  kind: string;
  message: string;
  data: unknown;
}

/** A value as stored in a JSON column (null for none). */
export const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
/** A JSON column read back. */
export const parse = (s: string | null) => (s == null ? null : JSON.parse(s));

/** A job row as the engine and the API read it. */
export function toJob(r: Database['jobs']): Job {
  return {
    id: r.id,
    playbook: r.playbook,
    inputs: JSON.parse(r.inputs),
    dryRun: !!r.dry_run,
    status: r.status as JobStatus,
    tenantId: r.tenant_id,
    forTenant: r.for_tenant,
    actedBy: r.acted_by,
    tokenId: r.token_id,
    idempotencyKey: r.idempotency_key,
    resource: r.resource,
    target: r.target,
    language: r.language as Job['language'],
    plan: parse(r.plan),
    result: parse(r.result),
    secretResult: r.secret_result,
    error: parse(r.error),
    owner: r.owner,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}
