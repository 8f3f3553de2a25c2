import { OperationError, toOperationError } from '../errors.js';

// The errors a change of nginx ends with, in plain words for the caller (see NginxApplier).

/** A file could not be written: nothing went live. */
export function writeFailed(err: unknown): OperationError {
  const e = toOperationError(err);
  return new OperationError(
    'nginx_write_failed',
    {
      en: 'The site configuration could not be written on the web server; nothing was changed.',
      fr: "La configuration du site n'a pas pu être écrite sur le serveur web ; rien n'a été modifié.",
    },
    {
      en: 'Try again in a few minutes. Your provider has the details.',
      fr: 'Réessayez dans quelques minutes. Votre hébergeur a les détails.',
    },
    e.detail ?? e.message,
  );
}

/** The new configuration is live but the site did not answer as expected: the change was undone. */
export function probeFailed(host: string, failure: string): OperationError {
  return new OperationError(
    'vhost_probe_failed',
    {
      en: `The web server accepted the configuration, but ${host} did not answer as expected afterwards, so the change was undone.`,
      fr: `Le serveur web a accepté la configuration, mais ${host} n'a pas répondu comme prévu ensuite ; la modification a donc été annulée.`,
    },
    {
      en: 'Another site on this server may already use this name. Try again; if it fails again, your provider has the details.',
      fr: 'Un autre site de ce serveur utilise peut-être déjà ce nom. Réessayez ; si cela échoue encore, votre hébergeur a les détails.',
    },
    `probe ${failure}`,
  );
}

/** nginx refused to reload the tested configuration: the change was undone. */
export function reloadFailed(webserver: string, output: string): OperationError {
  return new OperationError(
    'nginx_reload_failed',
    {
      en: 'The web server could not reload its configuration; the change was undone.',
      fr: "Le serveur web n'a pas pu recharger sa configuration ; la modification a été annulée.",
    },
    {
      en: 'Try again in a few minutes. Your provider has the details.',
      fr: 'Réessayez dans quelques minutes. Votre hébergeur a les détails.',
    },
    `reload of ${webserver} failed: ${output}`,
  );
}

/** nginx stopped accepting connections after a reload: the change was undone (and the admins alerted). */
export function nginxDown(address: string): OperationError {
  return new OperationError(
    'nginx_down',
    {
      en: 'The web server stopped answering after the change, so the change was undone.',
      fr: 'Le serveur web a cessé de répondre après la modification ; celle-ci a donc été annulée.',
    },
    {
      en: 'Your provider has been alerted. Try again later.',
      fr: 'Votre hébergeur a été alerté. Réessayez plus tard.',
    },
    `no answer from ${address} after reload`,
  );
}

/** The lock other daemons' changes of this nginx wait on could not be taken (the shared store out of reach): nothing was changed. */
export function lockUnavailable(webserver: string, err: unknown): OperationError {
  const e = toOperationError(err);
  return new OperationError(
    'nginx_lock_unavailable',
    {
      en: 'The web server could not be reserved for the change; nothing was changed.',
      fr: "Le serveur web n'a pas pu être réservé pour la modification ; rien n'a été modifié.",
    },
    {
      en: 'Try again in a few minutes. Your provider has the details.',
      fr: 'Réessayez dans quelques minutes. Votre hébergeur a les détails.',
    },
    `lock of ${webserver} shared with the other daemons: ${e.detail ?? e.message}`,
  );
}
