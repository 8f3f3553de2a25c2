import { OperationError } from '../errors.js';

// The errors of the checks of the machine against the configuration, as an operation meets them.

/** The machine is not set up for this operation yet (`detail` lists the checks that failed, for admins): nothing was changed. */
export function serverNotReady(detail: string): OperationError {
  return new OperationError(
    'server_not_ready',
    {
      en: 'The server is not ready for this operation yet; nothing was changed.',
      fr: "Le serveur n'est pas encore prêt pour cette opération ; rien n'a été modifié.",
    },
    {
      en: 'Your provider must finish setting it up first. Try again later.',
      fr: "Votre hébergeur doit d'abord finir de le configurer. Réessayez plus tard.",
    },
    detail,
    409,
  );
}
