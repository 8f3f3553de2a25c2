import { both, OperationError } from '../errors.js';

// The failures of the engine itself: a playbook that does not fit its actions, a job cut
// short by a stopped daemon, an input a client may not set. Actions that check a step's
// parameters themselves use `invalidStep` too, so a misconfigured step reads the same everywhere.

/** A playbook names an action no module registers: the admin fixes the playbook (only admins write them). */
export function unknownAction(name: string): OperationError {
  return new OperationError('unknown_action', both(`Unknown action ${name}`), both('Fix the playbook.'));
}

/**
 * A step's parameters, once rendered, do not fit its action: the playbook is wrong, not the
 * client's request, so the client reads that the provider knows; `where` and `detail` say what to fix.
 */
export function invalidStep(where: string, detail: string): OperationError {
  return new OperationError(
    'invalid_step',
    { en: 'This operation is misconfigured on our side.', fr: 'Cette opération est mal configurée de notre côté.' },
    { en: 'Your provider has been told what to fix.', fr: 'Votre hébergeur sait quoi corriger.' },
    `${where}: ${detail}`,
  );
}

/** The daemon stopped during a job and undid it on restart: the client runs it again. */
export function interrupted(): OperationError {
  return new OperationError(
    'interrupted',
    {
      en: 'The operation was interrupted before it finished; everything it had changed was undone.',
      fr: "L'opération a été interrompue avant la fin ; tout ce qu'elle avait changé a été annulé.",
    },
    { en: 'Run it again.', fr: 'Relancez-la.' },
    'daemon stopped during the job; compensated on restart',
  );
}

/** A client set inputs only admins choose (the tenant a database is for): refused before anything runs. */
export function adminInput(given: string[]): OperationError {
  return new OperationError(
    'admin_input',
    {
      en: `"${given.join('", "')}" is set by your provider, not in your requests.`,
      fr: `« ${given.join(' », « ')} » est choisi par votre hébergeur, pas dans vos demandes.`,
    },
    {
      en: 'Leave it out: the operation always works on your own account.',
      fr: "Laissez-le de côté : l'opération s'applique toujours à votre propre compte.",
    },
    undefined,
    400,
  );
}
