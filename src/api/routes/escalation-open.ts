import { OperationError } from '../../errors.js';
import type { Escalation } from '../../store/escalations.js';
import type { Store } from '../../store/store.js';

/** The answer for an escalation admins cannot act on: unknown, over, or not handed to them yet. */
export const gone = (id: string) =>
  new OperationError(
    'not_found',
    { en: `Escalation ${id} was not found, or is resolved.`, fr: `L'escalade ${id} est introuvable, ou résolue.` },
    { en: 'List them with GET /v1/escalations.', fr: 'Listez-les avec GET /v1/escalations.' },
    undefined,
    404,
  );

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
