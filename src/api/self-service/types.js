// @ts-check
// The shapes the page reads from the API (see /openapi.json), as JSDoc types only: tsc
// checks every module against them, and nothing here runs.

/** @typedef {{ code: string, message: string, hint?: string, detail?: string }} ApiErrorBody The API's error: what happened, and the fix. */

/** @typedef {{ kind: 'admin' | 'client', tenant: { id: string, name: string, language: string } | null, language: string }} Me Who the token belongs to. */

/**
 * @typedef {object} InputSpec One typed input of an operation, as /v1/playbooks declares it.
 * @property {string} type
 * @property {string} [description]
 * @property {boolean} [required]
 * @property {unknown} [default]
 * @property {string[]} [values]
 * @property {number} [min]
 * @property {number} [max]
 * @property {number} [maxLength]
 */

/** @typedef {{ name: string, title: string, description: string, inputs: Record<string, InputSpec> }} Playbook An operation the caller may run. */

/** @typedef {{ kind: string, name: string, data?: Record<string, unknown> | null }} Resource Something the tenant owns or may use. */

/** @typedef {{ summary: string, target?: string, diff?: string }} PlanItem One change a dry run would make. */

/**
 * @typedef {object} Job A request and its outcome.
 * @property {string} id
 * @property {string} playbook
 * @property {'queued' | 'running' | 'succeeded' | 'failed' | 'needs-attention'} status
 * @property {boolean} dryRun
 * @property {PlanItem[] | null} [plan]
 * @property {Record<string, unknown> & { plan?: PlanItem[] } | null} [result]
 * @property {ApiErrorBody | null} [error]
 * @property {string} createdAt
 * @property {string[]} [secretKeys] The result fields shown this once only (a password).
 */

/** @typedef {{ domain: string, status: 'ok' | 'warning' | 'failure', title: string, message?: string, fix?: string }} Check One check of the doctor. */

/** @typedef {{ ok: boolean, checks: Check[] }} DoctorAnswer What the doctor found. */

export {};
