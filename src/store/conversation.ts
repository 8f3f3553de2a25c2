/**
 * The shapes of a conversation: one per tenant and problem, from the first sighting to
 * the all-clear, read by the client (GET /v1/conversations) and by admins (the same row,
 * as an escalation, once it is handed to them). Words are not stored here: the steps and
 * the cause are facts (kinds, times, names, both languages of what was found), and the
 * page and the emails write them in the reader's language (src/notify/watch-messages.ts,
 * src/api/self-service/views).
 */

/** One reason the client looks stuck, as it happened: what was tried, when, and what was found. */
export interface EscalationSignal {
  at: string;
  /** failures: the same operation failed repeatedly; needs-attention: an undo failed; no-success: a failure never followed by a success; request-handoff / frustrated: the client's own words; drift: a renewal that will fail, not fixed in time; renewal: a renewal that failed. */
  kind: 'failures' | 'needs-attention' | 'no-success' | 'request-handoff' | 'frustrated' | 'drift' | 'renewal';
  /** One line for the admin. */
  message: string;
  jobId?: string;
  playbook?: string;
  /** The diagnosis of that attempt, as the job recorded it. */
  diagnosis?: { code?: string; message?: string; hint?: string; detail?: unknown };
  /** The client's words, when the signal came from a request. */
  words?: { text: string; language?: string };
}

/**
 * The operation an admin can run for the client with one click, with its inputs; `then`:
 * the operation that failed, run right after when the first one removed its cause (a
 * dns.fix, then the issuance it blocked). Both are part of what the admin reviews.
 */
export interface Suggestion {
  playbook: string;
  inputs: Record<string, unknown>;
  then?: { playbook: string; inputs: Record<string, unknown> };
}

/**
 * Where a conversation stands, as the client and the admin both read it: `noticed` (seen,
 * nobody told yet), `told` (the client was told, and what to do), `handling` (a person of
 * the provider's team is on it: `takenBy`), `resolved` (over, with what ended it).
 */
export type ConversationStage = 'noticed' | 'told' | 'handling' | 'resolved';

/**
 * One thing that happened in a conversation, in order. `by` is a person's name as the
 * client may read it (an admin token's label), never a token id.
 * - noticed / came-back: seen (again, after an earlier conversation about it ended);
 * - told: the client was told (email and page); handed-over: given to the provider's team;
 * - taken: a person is on it; doing: they started the fix for the client;
 * - fix-sent: the exact DNS change was sent for the client to make (`changes`, in both languages);
 * - answered: a person answered in words (`text`: the answer, as written: escape it wherever it is shown);
 * - reminded: admins were reminded of it, untaken (admins only);
 * - resolved: over (see `resolution`).
 */
export interface ConversationStep {
  at: string;
  kind:
    | 'noticed'
    | 'came-back'
    | 'told'
    | 'handed-over'
    | 'taken'
    | 'doing'
    | 'fix-sent'
    | 'answered'
    | 'reminded'
    | 'resolved';
  by?: string;
  text?: string;
  /** reminded: which channel (`webhook` or `email`). */
  channel?: string;
  /** fix-sent: the changes in both languages, so each reader reads them in theirs (`text` is the English, for admins). */
  changes?: Words[];
}

/** Two languages of one sentence, as the checks write them. */
export interface Words {
  en: string;
  fr: string;
}

/**
 * What the conversation is about, as the client reads it: the site, what was found and
 * how to fix it (each in both languages), and dates that matter.
 */
export interface Cause {
  /** drift: the daily check found a change that will block the renewal; renewal-blocked: a renewal failed because of it; failures: an operation kept failing; request: words handed to a person; needs-attention: a change stopped half-way; renewal-late: a renewal failing on the provider's side. */
  kind: 'drift' | 'renewal-blocked' | 'renewal-late' | 'failures' | 'request' | 'needs-attention';
  /** The site or domain it is about, when there is one. */
  site?: string;
  certificateId?: string;
  /** The operation concerned (failures, needs-attention). */
  playbook?: string;
  found?: Words[];
  fix?: Words[];
  /** When the certificate tries to renew, and when it stops being valid. */
  renewAt?: string;
  until?: string;
  /** request: the client's words. */
  words?: string;
}

/**
 * How a conversation ended: who ended the cause and what changed.
 * - by `client`: the client fixed it themself (DNS corrected where their domain is managed);
 * - `team`: the provider's team did it for them, or answered;
 * - `serein`: it went away by itself (a renewal that worked on retry, the site removed).
 * `what`: dns-fixed, renewed, issued, site-removed, done, answered, resolved.
 */
export interface Resolution {
  at: string;
  by: 'client' | 'team' | 'serein';
  what: string;
  reason: string;
  byName?: string;
}

/** What a conversation row carries besides its keys (stored as JSON). */
export interface EscalationData {
  /** One line for admins, from the first signal (later signals never replace it). */
  summary: string;
  signals: EscalationSignal[];
  suggestion: Suggestion | null;
  /**
   * "Do it for them": the job an admin started on the tenant's behalf; `then` and `version`:
   * what the admin reviewed and clicked, kept here because the suggestion may be replaced
   * while the job runs (a new failure, a new check): only what they saw runs after it.
   */
  done: {
    jobId: string;
    by: string;
    at: string;
    status?: string;
    byName?: string;
    tokenId?: string;
    fixedCause?: boolean;
    then?: { playbook: string; inputs: Record<string, unknown> };
    version?: string;
    /** The operation this job runs (the follow-up's, once it started): what the all-clear names, whatever is suggested by then. */
    ran?: string;
  } | null;
  steps: ConversationStep[];
  cause?: Cause;
  /** This problem had a conversation that ended, and came back. */
  cameBack?: { from: string; resolvedAt: string };
  /** When no DNS host serein can change serves the zone: the exact changes, for an admin to send the client in one click. */
  fixToSend?: { changes: Words[] };
  /** Admins heard of it through other alerts (renewal failures): they hear of its end too. */
  adminsAlerted?: boolean;
  /** How it ended, once it has. */
  resolution?: Resolution;
}

/** The stage a conversation is at, from what happened in it. */
export function stageOf(e: { state: string; steps: ConversationStep[] }): ConversationStage {
  if (e.state === 'resolved') return 'resolved';
  if (e.state === 'taken') return 'handling';
  return e.steps.some(
    (s) => s.kind === 'told' || s.kind === 'handed-over' || s.kind === 'fix-sent' || s.kind === 'answered',
  )
    ? 'told'
    : 'noticed';
}
