import { SqlError } from '../db/session.js';
import { confirmationRequired, notFound, OperationError, quotaExceeded, type Localized } from '../errors.js';
import type { SecretMasker } from '../secrets.js';

// The errors of database.check, database.create and database.drop, in the words a client reads.

/** A client named another tenant for its database: a client only ever works for its own account. */
export function forbiddenTenant(): OperationError {
  return new OperationError(
    'forbidden_tenant',
    {
      en: 'You can only create or remove databases for your own account.',
      fr: 'Vous ne pouvez créer ou supprimer des bases de données que pour votre propre compte.',
    },
    { en: 'Leave the tenant field empty.', fr: 'Laissez le champ tenant vide.' },
    undefined,
    403,
  );
}

/** An admin's database job names no existing tenant: its id prefixes the database's name, so it must be one. */
export function tenantRequired(requested: string | undefined): OperationError {
  return new OperationError(
    'tenant_required',
    { en: 'Say which tenant the database is for.', fr: 'Indiquez pour quel client est la base de données.' },
    {
      en: 'Set the input "tenant" to the id of an existing tenant; its id prefixes the database name.',
      fr: "Renseignez le champ « tenant » avec l'identifiant d'un client existant ; il préfixe le nom de la base.",
    },
    requested ? `unknown tenant ${requested}` : undefined,
    400,
  );
}

/** The name is another tenant's, or on the server without serein having made it: nothing was changed. */
export function databaseTaken(database: string, detail: string): OperationError {
  return new OperationError(
    'database_taken',
    {
      en: `The database name "${database}" is already used on this server.`,
      fr: `Le nom de base de données « ${database} » est déjà utilisé sur ce serveur.`,
    },
    { en: 'Choose another name. Nothing was changed.', fr: "Choisissez un autre nom. Rien n'a été modifié." },
    detail,
    409,
  );
}

/** The tenant already has the most databases on this server its plan allows. */
export function databaseQuota(count: number): OperationError {
  return quotaExceeded(
    {
      en: `You already have ${count} databases on this server, the most your plan allows.`,
      fr: `Vous avez déjà ${count} bases de données sur ce serveur, le maximum de votre offre.`,
    },
    {
      en: 'Delete a database you no longer use, or ask your provider for a larger plan.',
      fr: "Supprimez une base que vous n'utilisez plus, ou demandez une offre plus grande à votre hébergeur.",
    },
  );
}

/**
 * A statement failed: plain words (the server stopped answering, or refused a step), what
 * became of the change, and the server's message for admins (secrets masked).
 */
export function statementFailed(
  server: string,
  err: unknown,
  secrets: SecretMasker,
  during: 'create' | 'drop' = 'create',
): OperationError {
  if (err instanceof OperationError) return err;
  const e = err as SqlError & { change?: { summary: Localized } };
  const what = e.change?.summary ?? { en: 'a statement', fr: 'une instruction' };
  const after =
    during === 'create'
      ? {
          en: 'everything this operation had created was removed.',
          fr: 'tout ce que cette opération avait créé a été supprimé.',
        }
      : {
          en: 'run the deletion again: it goes on where it stopped.',
          fr: "relancez la suppression : elle reprendra là où elle s'est arrêtée.",
        };
  // The server stopped or the connection was cut (not a refusal): said as such.
  const lost =
    /^57P0[123]$|ECONNRESET|EPIPE|PROTOCOL_CONNECTION_LOST/.test(String(e.code ?? '')) ||
    /Connection terminated|terminating connection|Connection lost|server closed the connection|ECONNRESET/i.test(
      e.message ?? '',
    );
  return new OperationError(
    'database_statement_failed',
    lost
      ? {
          en: `The database server "${server}" stopped answering during a step (${what.en}); ${after.en}`,
          fr: `Le serveur de bases de données « ${server} » a cessé de répondre pendant une étape (${what.fr}) ; ${after.fr}`,
        }
      : {
          en: `The database server "${server}" refused a step (${what.en}); ${after.en}`,
          fr: `Le serveur de bases de données « ${server} » a refusé une étape (${what.fr}) ; ${after.fr}`,
        },
    {
      en: 'Try again later. If it fails again, your provider has the details.',
      fr: 'Réessayez plus tard. Si cela échoue encore, votre hébergeur a les détails.',
    },
    secrets.mask(`${e.message}${e instanceof SqlError && e.code ? ` (code ${e.code})` : ''}`),
  );
}

/** The server could not be asked which names exist (often a privilege the admin account lacks): nothing was changed. */
export function checkFailed(server: string, detail: string): OperationError {
  return new OperationError(
    'database_check_failed',
    {
      en: `The database server "${server}" could not be checked for existing names; nothing was changed.`,
      fr: `Le serveur de bases de données « ${server} » n'a pas pu être interrogé sur les noms existants ; rien n'a été modifié.`,
    },
    {
      en: 'Your provider has the details (the admin account may lack a privilege).',
      fr: "Votre hébergeur a les détails (le compte d'administration manque peut-être d'un droit).",
    },
    detail,
  );
}

/** serein's record says the database exists, the server says it does not (drift): the provider looks into it. */
export function missingOnServer(database: string, detail: string): OperationError {
  return new OperationError(
    'database_drift',
    {
      en: `The database "${database}" is recorded but is missing on the server.`,
      fr: `La base « ${database} » est enregistrée mais absente du serveur.`,
    },
    {
      en: 'Your provider has been told; nothing was changed.',
      fr: "Votre hébergeur est prévenu ; rien n'a été modifié.",
    },
    detail,
  );
}

/** No database of the caller's by that name on that server (another tenant's reads the same). */
export function noSuchDatabase(database: string): OperationError {
  return notFound(
    { en: `The database "${database}"`, fr: `La base « ${database} »` },
    {
      message: {
        en: `There is no database "${database}" of yours on this server.`,
        fr: `Vous n'avez pas de base « ${database} » sur ce serveur.`,
      },
      hint: {
        en: 'Check the server and the name (as it was given when you created it).',
        fr: 'Vérifiez le serveur et le nom (celui donné à la création).',
      },
    },
  );
}

/** A deletion waits for the database's full name typed as `confirm`: it takes the data offline (a copy stays in the trash). */
export function confirmDeletion(database: string, keepDays: number): OperationError {
  return confirmationRequired(
    {
      en: `Deleting "${database}" takes it offline with all its data; a copy stays in your trash for ${keepDays} days.`,
      fr: `Supprimer « ${database} » met hors service la base et toutes ses données ; une copie reste dans votre corbeille pendant ${keepDays} jours.`,
    },
    {
      en: `To confirm, set "confirm" to exactly ${database}.`,
      fr: `Pour confirmer, renseignez « confirm » avec exactement ${database}.`,
    },
  );
}
