import type { Intent, Topic } from './intents.js';
import type { OwnDatabase } from './names.js';

/** What a request's inputs are read against and what they become (./slots.ts fills them). */

/** A client's own things, the only names a request is matched against (another tenant's are never read). */
export interface ClientThings {
  sites: string[];
  domains: string[];
  webservers: string[];
  databaseServers: string[];
  /** Each database server's engine: the engine a client names ("PostgreSQL") chooses the server. */
  databaseEngines?: Record<string, 'mariadb' | 'postgres'>;
  /** The client's databases (short name as given at creation, server, full name). */
  databases?: OwnDatabase[];
  /** Each site's active certificate id, for a renewal; a site without one gets a first certificate. Unset: not known (the evaluation). */
  certificates?: Record<string, string>;
  /** Set when an admin asks for a tenant: operations that name their tenant get it as an input. */
  tenantInput?: string;
}

/** An operation ready to run once the client confirms it: what POST /v1/jobs takes, and the sentence saying it. */
export interface Proposal {
  playbook: Intent;
  inputs: Record<string, unknown>;
  sentence: string;
  /** The playbook recommends a dry run first (dns.fix): submit it with `dryRun: true`, show the changes, then for real with `confirm: true`. */
  dryRunFirst?: boolean;
  /** A removal: the client types `value` to confirm; with `input`, the typed text is submitted as that input and the operation refuses anything else. */
  typeToConfirm?: { value: string; input?: string };
}

/** One answer to a question: a proposal to confirm, or the operation meant (the text is then read again with it, and with `site` when one was picked). */
export interface Choice {
  label: string;
  proposal?: Proposal;
  intent?: Intent;
  site?: string;
}

/** What one operation became: a proposal, a question, a site to diagnose, or a handover. */
export type Resolved =
  | { status: 'proposal'; sentence: string; proposal: Proposal }
  | { status: 'question'; sentence: string; question: { field: string; choices: Choice[] } }
  | { status: 'diagnosis'; sentence: string; site: string }
  | { status: 'handoff'; sentence: string; topic?: Topic; wanted?: Proposal };
