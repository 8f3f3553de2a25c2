import { OperationError, type Localized } from '../errors.js';

// The errors of the nginx module beside those of a change going live (apply-errors.ts):
// web servers, templates, nginx's refusals in plain words, clients' upstreams.

/**
 * A web server name that is not configured: `known` lists those that are (400, the
 * caller's mistake); without it, a site's record names a web server removed since.
 */
export function unknownWebserver(name: string, known?: string[]): OperationError {
  const gone = known === undefined;
  return new OperationError(
    'unknown_webserver',
    gone
      ? {
          en: `The web server "${name}" is not configured any more.`,
          fr: `Le serveur web « ${name} » n'est plus configuré.`,
        }
      : { en: `The web server "${name}" is not configured.`, fr: `Le serveur web « ${name} » n'est pas configuré.` },
    gone
      ? { en: 'Your provider must restore its configuration.', fr: 'Votre hébergeur doit rétablir sa configuration.' }
      : {
          en: `Use one of: ${known.join(', ') || '(none)'}.`,
          fr: `Utilisez l'un de : ${known.join(', ') || '(aucun)'}.`,
        },
    undefined,
    gone ? 422 : 400,
  );
}

/** The admin's site template cannot be rendered (or read): the client reads it is on the provider's side; admins get file and line. */
export function templateError(detail: string): OperationError {
  return new OperationError(
    'template_error',
    {
      en: 'The site configuration could not be prepared: the web server template has an error.',
      fr: "La configuration du site n'a pas pu être préparée : le modèle du serveur web contient une erreur.",
    },
    {
      en: 'Nothing was changed on the server. Your provider must fix the template; try again afterwards.',
      fr: "Rien n'a été modifié sur le serveur. Votre hébergeur doit corriger le modèle ; réessayez ensuite.",
    },
    detail,
  );
}

/** nginx refused a new configuration (its test or its reload): `what` says why in plain words (src/nginx/messages.ts). */
export function nginxRejectedError(what: Localized, fix: Localized, detail: string): OperationError {
  return new OperationError(
    'nginx_rejected',
    {
      en: `The web server refused the new configuration: ${what.en}`,
      fr: `Le serveur web a refusé la nouvelle configuration : ${what.fr}`,
    },
    fix,
    detail,
  );
}

/** A client's upstream is not an address of a form serein forwards to. */
export function upstreamInvalid(message: Localized, hint: Localized, detail: string, status = 400): OperationError {
  return new OperationError('upstream_invalid', message, hint, detail, status);
}

/** A client's upstream name does not resolve (or could not be looked up just now). */
export function upstreamUnresolved(message: Localized, hint: Localized, detail: string, status = 400): OperationError {
  return new OperationError('upstream_unresolved', message, hint, detail, status);
}

/** A client's upstream leads to an address clients may not forward to (the provider's inside, a reserved range). */
export function upstreamNotAllowed(message: Localized, hint: Localized, detail: string, status = 403): OperationError {
  return new OperationError('upstream_not_allowed', message, hint, detail, status);
}
