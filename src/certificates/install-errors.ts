import { OperationError } from '../errors.js';

// The errors a certificate's install ends with (src/certificates/install.ts, the certificate actions).

/** A certificate asked for a site serein does not manage. */
export function noVhost(name: string): OperationError {
  return new OperationError(
    'no_site',
    {
      en: `There is no site named ${name} on this server to install the certificate on.`,
      fr: `Il n'y a pas de site nommé ${name} sur ce serveur pour y installer le certificat.`,
    },
    {
      en: `Create the site ${name} first (operation "Create a website"), then ask for the certificate again.`,
      fr: `Créez d'abord le site ${name} (opération « Créer un site web »), puis redemandez le certificat.`,
    },
    undefined,
    404,
  );
}

/** The TLS handshake kept presenting another certificate: the change was undone. */
export function certificateNotServed(address: string, serial: string, seen: Record<string, string>): OperationError {
  return new OperationError(
    'certificate_not_served',
    {
      en: 'The certificate was issued, but the web server kept presenting another one, so the change was undone and your site is served as before.',
      fr: "Le certificat a été émis, mais le serveur web continuait d'en présenter un autre ; la modification a donc été annulée et votre site est servi comme avant.",
    },
    {
      en: 'Your provider has the details. Try again later.',
      fr: 'Votre hébergeur a les détails. Réessayez plus tard.',
    },
    `TLS handshake on ${address} expected serial ${serial}, saw ${JSON.stringify(seen)}`,
  );
}
