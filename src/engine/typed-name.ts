import { confirmationRequired } from '../errors.js';
import type { Playbook } from './playbook.js';

/**
 * A removal a client confirms by typing the name of what goes: an input declared with
 * `confirms: <input>` must hold exactly that input's value (both validated, so a domain
 * typed in capitals or in its accented form matches). Checked when a client submits, so
 * a job without it is never queued and nothing is touched. Admins and the CLI are not
 * asked: their token already acts on the whole machine, and the name is in the command
 * they typed; the typed name guards a client's click on a page, where one wrong button
 * takes a shop offline.
 */
export function refuseUntyped(pb: Playbook, inputs: Record<string, unknown>): void {
  for (const [field, spec] of Object.entries(pb.inputs)) {
    const expected = spec.confirms ? inputs[spec.confirms] : undefined;
    if (typeof expected !== 'string' || inputs[field] === expected) continue;
    const typed = inputs[field];
    const label = {
      en: spec.client?.en ?? spec.description?.en ?? field,
      fr: spec.client?.fr ?? spec.description?.fr ?? field,
    };
    throw confirmationRequired(
      typed === undefined
        ? {
            en: `To remove it, type its name ${expected} to confirm: nothing has been removed yet.`,
            fr: `Pour le supprimer, tapez son nom ${expected} pour confirmer\u00a0: rien n'a encore été supprimé.`,
          }
        : {
            en: `To remove it, type its name ${expected} exactly: ${String(typed)} is another name, so nothing has been removed.`,
            fr: `Pour le supprimer, tapez exactement son nom ${expected}\u00a0: ${String(typed)} est un autre nom, donc rien n'a été supprimé.`,
          },
      {
        en: `Type ${expected} exactly in "${label.en}", then send it again.`,
        fr: `Tapez exactement ${expected} dans «\u00a0${label.fr}\u00a0», puis envoyez à nouveau.`,
      },
      `input "${field}" must equal input "${spec.confirms}"`,
      [{ name: field, message: { en: `type ${expected} to confirm`, fr: `tapez ${expected} pour confirmer` } }],
    );
  }
}
