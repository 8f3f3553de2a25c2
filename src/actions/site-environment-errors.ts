import { conflict, OperationError } from '../errors.js';

// The errors of a whole environment (./site-environment.ts): the refusals of its preflight, in
// plain words for the client; the detail for admins names the configuration and the paths.

/** French typography: a non-breaking space before : ; ? ! and inside « ». */
const NB = '\u00a0';

/** The site exists already: a whole environment is made for a new site only. */
export function environmentSiteExists(domain: string): OperationError {
  return conflict(
    {
      en: `Choose a new address: the site ${domain} already exists in your account.`,
      fr: `Choisissez une nouvelle adresse${NB}: le site ${domain} existe déjà dans votre compte.`,
    },
    {
      en: 'A complete site (site, database and file access) is made for a new address. For this site, ask for a database or file access on their own. Nothing was changed.',
      fr: 'Un site complet (site, base de données et accès aux fichiers) se crée pour une nouvelle adresse. Pour ce site, demandez une base de données ou un accès aux fichiers séparément. Rien n’a été modifié.',
    },
    `a vhost record exists for ${domain}`,
  );
}

/** The web server runs no PHP for its sites (no `php` block): WordPress could not run there. */
export function environmentNoPhp(webserver: string): OperationError {
  return new OperationError(
    'environment_no_php',
    {
      en: 'Ask your provider to turn PHP on for your server: a complete site needs it, and it is not offered there.',
      fr: `Demandez à votre hébergeur d’activer PHP sur votre serveur${NB}: un site complet en a besoin, et il n’y est pas proposé.`,
    },
    { en: 'Nothing was changed.', fr: 'Rien n’a été modifié.' },
    `webservers.${webserver}.php is not configured (and siteUsers must be on)`,
    409,
  );
}

/** The tenant was given no database server: the database could not be made. */
export function environmentNoDatabaseServer(tenant: string): OperationError {
  return new OperationError(
    'environment_no_database_server',
    {
      en: 'Ask your provider for a database server: your account has none, and a complete site needs a database.',
      fr: `Demandez un serveur de bases de données à votre hébergeur${NB}: votre compte n’en a aucun, et un site complet a besoin d’une base.`,
    },
    {
      en: 'You can still create the site alone. Nothing was changed.',
      fr: 'Vous pouvez déjà créer le site seul. Rien n’a été modifié.',
    },
    `tenant ${tenant} was given no server of the databases section`,
    409,
  );
}

/** No free database name could be made from the site's name (all its variants are taken); `undone`: found while creating. */
export function environmentNoDatabaseName(domain: string, tried: string[], undone = false): OperationError {
  return conflict(
    {
      en: `Create the database on its own with a name you choose: the names made from ${domain} are all taken.`,
      fr: `Créez la base séparément avec un nom de votre choix${NB}: les noms tirés de ${domain} sont tous pris.`,
    },
    undone
      ? { en: 'Everything was undone.', fr: 'Tout a été annulé.' }
      : { en: 'Nothing was changed.', fr: 'Rien n’a été modifié.' },
    `taken: ${tried.join(', ')}`,
  );
}

/** The site's folders are not in the site-user layout the credentials file needs. */
export function environmentLayout(domain: string, why: string): OperationError {
  return new OperationError(
    'environment_layout',
    {
      en: `The site ${domain} could not be given its database details: its folder is not one of its own.`,
      fr: `Les informations de la base n’ont pas pu être données au site ${domain}${NB}: son dossier n’est pas un dossier à lui.`,
    },
    {
      en: 'Everything was undone; your provider can tell why from the details.',
      fr: `Tout a été annulé${NB}; votre hébergeur peut en voir la raison dans les détails.`,
    },
    `${why}: the credentials file needs the site-user layout (siteUsers on, <web root>/<domain>/ root's)`,
    409,
  );
}

/** Something is where the credentials file goes, which serein did not write. */
export function environmentFileExists(domain: string, file: string): OperationError {
  return new OperationError(
    'environment_file_exists',
    {
      en: `The site ${domain} could not be given its database details: a file of that name is already there.`,
      fr: `Les informations de la base n’ont pas pu être données au site ${domain}${NB}: un fichier de ce nom s’y trouve déjà.`,
    },
    {
      en: 'Everything was undone and that file left as it was; your provider can look at it.',
      fr: `Tout a été annulé et ce fichier laissé tel quel${NB}; votre hébergeur peut le regarder.`,
    },
    `${file} exists`,
    409,
  );
}
