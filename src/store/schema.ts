import type { Generated } from 'kysely';

/**
 * Table shapes shared by SQLite and PostgreSQL. Times are ISO-8601 text and JSON is text
 * so that both back ends store exactly the same thing.
 */
export interface Database {
  tenants: { id: string; name: string; language: string; email: string | null; created_at: string };
  client_notices: { key: string; tenant_id: string; sent_at: string };
  server_grants: { server: string; tenant_id: string; created_at: string };
  resources: { kind: string; name: string; tenant_id: string; data: string; created_at: string };
  /** The names each resource answers to (its name, its data's primary and aliases), kept by triggers on resources. */
  resource_names: { kind: string; name: string; resource: string };
  tokens: {
    id: string;
    hash: string;
    kind: 'admin' | 'client';
    tenant_id: string | null;
    label: string;
    created_at: string;
    revoked_at: string | null;
    last_used_at: string | null;
  };
  jobs: {
    id: string;
    playbook: string;
    inputs: string;
    dry_run: number;
    status: string;
    tenant_id: string | null;
    for_tenant: string | null;
    acted_by: string | null;
    token_id: string | null;
    idempotency_key: string | null;
    resource: string | null;
    target: string | null;
    plan: string | null;
    result: string | null;
    secret_result: string | null;
    error: string | null;
    language: string;
    owner: string | null;
    lease_until: string | null;
    created_at: string;
    started_at: string | null;
    finished_at: string | null;
  };
  job_steps: {
    job_id: string;
    idx: number;
    name: string;
    action: string;
    status: string;
    checkpoint: string | null;
    output: string | null;
    error: string | null;
    started_at: string | null;
    finished_at: string | null;
  };
  job_events: { id: Generated<number>; job_id: string; at: string; kind: string; message: string; data: string | null };
  audit: {
    id: Generated<number>;
    at: string;
    token_id: string | null;
    tenant_id: string | null;
    action: string;
    subject: string | null;
    inputs: string | null;
    plan: string | null;
    result: string;
    detail: string | null;
  };
  alerts: {
    id: Generated<number>;
    at: string;
    kind: string;
    tenant_id: string | null;
    subject: string;
    message: string;
    detail: string | null;
  };
  escalations: {
    id: string;
    tenant_id: string;
    problem: string;
    open_key: string | null;
    state: string;
    taken_by: string | null;
    opened_at: string;
    updated_at: string;
    resolved_at: string | null;
    escalated_at: string | null;
    done_job_id: string | null;
    data: string;
  };
  outbox: {
    id: string;
    channel: string;
    destination: string;
    payload: string;
    status: string;
    attempts: number;
    next_at: string;
    owner: string | null;
    claim: string | null;
    lease_until: string | null;
    last_error: string | null;
    created_at: string;
    sent_at: string | null;
  };
  trash: {
    id: string;
    tenant_id: string;
    kind: string;
    name: string;
    target: string;
    file: string;
    bytes: number | string;
    data: string;
    created_at: string;
    expires_at: string;
    restored_at: string | null;
  };
  disk_usage: { kind: string; name: string; tenant_id: string; bytes: number | string; measured_at: string };
  drift_findings: {
    certificate_id: string;
    tenant_id: string;
    name: string;
    first_seen: string;
    last_seen: string;
    escalated: number;
    data: string;
  };
}
