import { OperationError, type Localized } from '../errors.js';
import { TENANT_ID_PATTERN } from '../tenant-id.js';

// The errors of database provisioning: names refused, servers not configured or out of reach.

/** A database name that is not a plain SQL identifier, refused before any SQL is written (`maxLength`: the engines' smallest limit). */
export function invalidDatabaseName(name: string, why: Localized, maxLength: number): OperationError {
  return new OperationError(
    'invalid_name',
    {
      en: `"${name}" cannot be used as a database name: ${why.en}`,
      fr: `« ${name} » ne peut pas servir de nom de base de données : ${why.fr}`,
    },
    {
      en: `Use lower-case letters, digits and underscores, starting with a letter, at most ${maxLength} characters in all (e.g. shop or blog_2).`,
      fr: `Utilisez des lettres minuscules, chiffres et soulignés, en commençant par une lettre, ${maxLength} caractères au plus en tout (par ex. boutique ou blog_2).`,
    },
    undefined,
    400,
  );
}

/** A tenant id that would make `<tenant>_<name>` ambiguous: no database can be named for it. */
export function invalidTenant(tenantId: unknown): OperationError {
  return new OperationError(
    'invalid_tenant',
    {
      en: 'Your account is not set up for databases yet, so nothing was changed.',
      fr: "Votre compte n'est pas encore prêt pour les bases de données ; rien n'a été modifié.",
    },
    {
      en: 'Your provider can set it up; they have the details.',
      fr: "Votre hébergeur peut s'en charger ; il a les détails.",
    },
    `tenant id ${JSON.stringify(String(tenantId).slice(0, 40))} does not match ${TENANT_ID_PATTERN.source}: it would make <tenant>_<name> ambiguous`,
    400,
  );
}

/** A database server the configuration does not name: the known ones are listed. */
export function unknownDatabaseServer(name: string, known: string[]): OperationError {
  return new OperationError(
    'unknown_database_server',
    {
      en: `The database server "${name}" is not configured.`,
      fr: `Le serveur de bases de données « ${name} » n'est pas configuré.`,
    },
    {
      en: `Use one of: ${known.join(', ') || '(none)'}.`,
      fr: `Utilisez l'un de : ${known.join(', ') || '(aucun)'}.`,
    },
    undefined,
    400,
  );
}

/** A database server's configuration that cannot work (`detail` names the key): the provider fixes it. */
export function databaseMisconfigured(server: string, detail: string): OperationError {
  return new OperationError(
    'db_config',
    {
      en: `The database server "${server}" is misconfigured.`,
      fr: `Le serveur de bases de données « ${server} » est mal configuré.`,
    },
    { en: 'Your provider must fix the configuration.', fr: 'Votre hébergeur doit corriger la configuration.' },
    detail,
  );
}

/** The admin account's password file could not be read: no session can be opened. */
export function adminPasswordUnreadable(file: string, err: Error): OperationError {
  return new OperationError(
    'db_admin_password',
    {
      en: 'The database server is not reachable with the configured admin account.',
      fr: "Le serveur de bases de données n'est pas joignable avec le compte d'administration configuré.",
    },
    { en: 'Your provider must fix the configuration.', fr: 'Votre hébergeur doit corriger la configuration.' },
    `cannot read passwordFile ${file}: ${err.message}`,
  );
}

/** The error a caller sees when the admin connection itself fails (nothing was changed). */
export function unreachable(server: string, detail: string): OperationError {
  return new OperationError(
    'db_unreachable',
    {
      en: `The database server "${server}" could not be reached; nothing was changed.`,
      fr: `Le serveur de bases de données « ${server} » est injoignable ; rien n'a été modifié.`,
    },
    {
      en: 'Try again in a few minutes. If it keeps failing, your provider has the details.',
      fr: 'Réessayez dans quelques minutes. Si cela persiste, votre hébergeur a les détails.',
    },
    detail,
  );
}
