// @ts-check
// The shapes the page reads from the API (see /openapi.json), as JSDoc types only: tsc
// checks every module against them, and nothing here runs.

/** @typedef {{ code: string, message: string, hint?: string, technical?: string, detail?: string, offer?: Offer }} ApiErrorBody The API's error: what happened, the fix, and what a technician needs. */

/** @typedef {{ playbook: string, inputs: Record<string, unknown>, names: string[], without: string[] }} Offer A ready request offered in place of a failed one (the names that work now). */

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

/** @typedef {{ label?: string, button?: string, done?: string, doing?: string, failed?: string, result?: string }} OperationWords An operation's words in the page's language (playbooks/<operation>.words.yaml). */

/** @typedef {{ name: string, title: string, description: string, words?: OperationWords, inputs: Record<string, InputSpec> }} Playbook An operation the caller may run. */

/** @typedef {{ kind: string, name: string, data?: Record<string, unknown> | null }} Resource Something the tenant owns or may use. */

/**
 * @typedef {object} KindDescription A kind of resource, as GET /v1/resource-kinds describes it in the caller's language.
 * @property {string} kind
 * @property {{ one: string, many: string, a: string }} label
 * @property {string[]} inputTypes The operation input types that name one of this kind.
 * @property {'choose' | 'suggest'} [pick] How a form offers the caller's own.
 */

/** @typedef {{ summary: string, target?: string, diff?: string }} PlanItem One change a dry run would make. */

/**
 * @typedef {object} Certificate A site's certificate, as /v1/certificates lists it (never its key).
 * @property {string} id
 * @property {string} name The site's main name.
 * @property {string[]} domains
 * @property {string | null} webserver
 * @property {string} status
 * @property {string} challenge
 * @property {string} keyType
 * @property {string} ca
 * @property {string} serial
 * @property {string} notBefore
 * @property {string} notAfter
 * @property {string | null} renewAfter
 * @property {number} renewalFailures
 * @property {string | null} nextAttemptAt
 */

/**
 * @typedef {object} Brand The provider's own page, from its config: nothing is loaded from elsewhere.
 * @property {string} name
 * @property {string | null} logo A data: URL, or null.
 * @property {Record<string, string>} colors CSS colours by name (accent, accentDark...).
 * @property {{ email?: string, phone?: string, url?: string }} support
 * @property {string | null} lostToken Where a client who lost the token goes (a page or a mailto:).
 */

/**
 * @typedef {object} Job A request and its outcome.
 * @property {string} id
 * @property {string} playbook
 * @property {'queued' | 'running' | 'succeeded' | 'failed' | 'needs-attention'} status
 * @property {boolean} dryRun
 * @property {Record<string, unknown>} [inputs]
 * @property {string | null} [resource] What it works on and locks ("vhost:shop.example.com").
 * @property {string | null} [finishedAt]
 * @property {PlanItem[] | null} [plan]
 * @property {Record<string, unknown> & { plan?: PlanItem[] } | null} [result]
 * @property {ApiErrorBody | null} [error]
 * @property {string} createdAt
 * @property {string[]} [secretKeys] The result fields shown this once only (a password).
 */

/** @typedef {{ domain: string, status: 'ok' | 'warning' | 'failure', title: string, message?: string, fix?: string, technical?: string, detail?: Record<string, unknown>, repair?: { summary?: string } }} Check One check of the doctor: the words, then the records behind it (detail) and the exact change (repair). */

/** @typedef {{ ok: boolean, checks: Check[] }} DoctorAnswer What the doctor found. */

export {};
