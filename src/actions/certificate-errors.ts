import { notFound, notYourDomain, OperationError } from '../errors.js';

// The errors of the certificate operations (src/actions/certificate*.ts); an install's own
// failures are in src/certificates/install-errors.ts.

/**
 * A certificate asked for by id that is not there or not the caller's; with `site`, one
 * that is not that site's (null: the site the renewal names, unnamed).
 */
export function certificateNotFound(id: string, site?: string | null): OperationError {
  if (site === undefined)
    return notFound(
      { en: `Certificate ${id}`, fr: `Le certificat ${id}` },
      { hint: { en: 'Check the identifier.', fr: "Vérifiez l'identifiant." } },
    );
  return notFound(
    { en: `Certificate ${id} of ${site ?? 'this site'}`, fr: `Le certificat ${id} de ${site ?? 'ce site'}` },
    { hint: { en: 'Check the identifier and the site.', fr: "Vérifiez l'identifiant et le site." } },
  );
}

/** A renewal for a tenant that no longer owns one of the certificate's names. */
export function noLongerYours(name: string): OperationError {
  return notYourDomain(
    {
      en: `${name} is no longer one of your domains, so this secure connection cannot be renewed as it is.`,
      fr: `${name} ne fait plus partie de vos domaines : cette connexion sécurisée ne peut donc pas être renouvelée telle quelle.`,
    },
    {
      en: 'Secure your site again with the names that are still yours; ask your provider if the name should be yours.',
      fr: 'Sécurisez à nouveau votre site avec les noms qui sont toujours à vous ; demandez à votre hébergeur si ce nom devrait être le vôtre.',
    },
    `certificate names ${name}, which the tenant no longer owns`,
  );
}

/** A renewal asked of a certificate that is not the site's active one. */
export function certificateNotActive(id: string, status: string): OperationError {
  return new OperationError(
    'certificate_not_active',
    {
      en: `Certificate ${id} is ${status}, not active: there is nothing to renew.`,
      fr: `Le certificat ${id} est ${status}, pas actif : il n'y a rien à renouveler.`,
    },
    { en: 'Renew the active certificate of the site.', fr: 'Renouvelez le certificat actif du site.' },
    undefined,
    409,
  );
}
