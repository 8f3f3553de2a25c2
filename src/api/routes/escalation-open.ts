import { gone } from './escalation-errors.js';
import type { Escalation } from '../../store/escalations.js';
import type { Store } from '../../store/store.js';

/**
 * The escalation an admin acts on (take, resolve, do it for them, answer, send the fix):
 * handed to admins and not over. A conversation only the client was told of (the drift
 * watch's first days) is not in their list, so no act of theirs reaches it by its id.
 */
export async function openEscalation(store: Store, id: string): Promise<Escalation> {
  const e = await store.escalations.get(id);
  if (!e || e.state === 'resolved' || !e.escalatedAt) throw gone(id);
  return e;
}

/** Who acted, as admins read it: the token's label and id (the client reads the label only). */
export const actorOf = (label: string, tokenId: string) => `${label} (${tokenId})`;
