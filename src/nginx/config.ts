import type { WebserverConfig } from '../config/schema.js';
import type { Services } from '../engine/action.js';
import { OperationError } from '../errors.js';

/** A configured web server by name, or an error that lists the ones that exist. */
export function webserverConfig(services: Services, name: string): WebserverConfig {
  const ws = services.config.webservers[name];
  if (ws) return ws;
  const known = Object.keys(services.config.webservers);
  throw new OperationError(
    'unknown_webserver',
    { en: `The web server "${name}" is not configured.`, fr: `Le serveur web « ${name} » n'est pas configuré.` },
    { en: `Use one of: ${known.join(', ') || '(none)'}.`, fr: `Utilisez l'un de : ${known.join(', ') || '(aucun)'}.` },
    undefined,
    400,
  );
}
