import type { Escalation } from '../store/escalations.js';

/** How urgent a conversation is for admins: rises with the struggle score. */
export type Priority = 'normal' | 'high' | 'urgent';

/** The struggle score and what it is made of, as admins read it beside the escalation. */
export interface Struggle {
  score: number;
  priority: Priority;
  /** The seed's signals: failed attempts, the client's messages (of them, frustrated), messages close together, hours open. */
  failures: number;
  messages: number;
  frustrated: number;
  bursts: number;
  hoursOpen: number;
}

/** Two messages closer than this are the client pressing: each one counts more. */
const BURST_MS = 10 * 60_000;

/**
 * The struggle score from the signals a good operator watches (why.md): the words
 * (frustration), how long the problem has been open, and how many attempts and exchanges
 * it took and how close together. Computed when read, so the priority rises by itself
 * with time, with no job rewriting rows:
 * - each failed attempt 1, a change left half-way 4;
 * - each message from the client 1, a frustrated one 3 more, one within 10 minutes of the previous 2 more;
 * - a point per 4 hours open, at most 12.
 * 5 or more is `high`, 10 or more `urgent`.
 */
export function struggleOf(e: Pick<Escalation, 'signals' | 'openedAt' | 'resolvedAt'>, now: Date): Struggle {
  const kinds = e.signals.map((s) => s.kind);
  const failures = kinds.filter(
    (k) => k === 'failures' || k === 'no-success' || k === 'renewal' || k === 'drift',
  ).length;
  const attention = kinds.filter((k) => k === 'needs-attention').length;
  const said = e.signals
    .filter((s) => s.words)
    .map((s) => new Date(s.at).getTime())
    .sort((a, b) => a - b);
  const frustrated = kinds.filter((k) => k === 'frustrated').length;
  const bursts = said.filter((t, i) => i > 0 && t - said[i - 1] < BURST_MS).length;
  const end = e.resolvedAt ? new Date(e.resolvedAt).getTime() : now.getTime();
  const hoursOpen = Math.max(0, Math.floor((end - new Date(e.openedAt).getTime()) / 3_600_000));
  const score =
    failures + 4 * attention + said.length + 3 * frustrated + 2 * bursts + Math.min(12, Math.floor(hoursOpen / 4));
  return {
    score,
    priority: score >= 10 ? 'urgent' : score >= 5 ? 'high' : 'normal',
    failures: failures + attention,
    messages: said.length,
    frustrated,
    bursts,
    hoursOpen,
  };
}
