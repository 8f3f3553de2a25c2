import { OperationError } from '../errors.js';

/**
 * A playbook's command ended with a code it does not accept: the client reads that a
 * command failed and nothing is half-done (the runner undid the steps before it); the
 * command, its code and its last output (secrets masked) are the admins' detail.
 */
export function programFailed(detail: string): OperationError {
  return new OperationError(
    'program_failed',
    { en: 'A command on the server failed.', fr: 'Une commande sur le serveur a échoué.' },
    {
      en: 'Nothing was left half-done. Your provider can read the details.',
      fr: "Rien n'a été laissé à moitié fait. Votre hébergeur peut lire les détails.",
    },
    detail,
  );
}
