import { invalidInput, notFound, OperationError } from '../errors.js';

// The errors of a site's creation and removal (vhost.create, vhost.delete), in plain words for the caller.

/** A client named a domain that is not its own (403, so it learns nothing of another tenant). */
export const notYours = (name: string) =>
  new OperationError(
    'domain_not_owned',
    {
      en: `"${name}" is not one of your account's domains.`,
      fr: `« ${name} » ne fait pas partie des domaines de votre compte.`,
    },
    {
      en: 'Use a name under a domain registered to your account, or ask your provider to add the domain.',
      fr: 'Utilisez un nom sous un domaine enregistré pour votre compte, ou demandez à votre hébergeur d’ajouter le domaine.',
    },
    undefined,
    403,
  );

/** Only admins read this (a client's names are checked before): the command that gives the domain, not the API route. */
export const domainUnregistered = (primary: string, registered: string) =>
  new OperationError(
    'domain_unregistered',
    {
      en: `"${primary}" does not belong to any tenant yet.`,
      fr: `« ${primary} » n'appartient encore à aucun client.`,
    },
    {
      en: `Give the domain to its tenant first: serein tenant give <tenant> domain ${registered}`,
      fr: `Donnez d'abord le domaine à son client : serein tenant give <client> domain ${registered}`,
    },
    undefined,
    400,
  );

/** A name another site already serves: two sites never answer for one name. */
export const nameTaken = (name: string, detail: string) =>
  new OperationError(
    'vhost_name_taken',
    {
      en: `The name "${name}" is already used by another site on this server.`,
      fr: `Le nom « ${name} » est déjà utilisé par un autre site sur ce serveur.`,
    },
    {
      en: 'Choose another name, or remove it from the other site first. Nothing was changed.',
      fr: "Choisissez un autre nom, ou retirez-le d'abord de l'autre site. Rien n'a été modifié.",
    },
    detail,
    409,
  );

/** A folder or address the site may not use (outside its folder, not http(s), nginx syntax). */
export const badPath = (
  field: string,
  value: string,
  why: { en: string; fr: string },
  hint: { en: string; fr: string },
) => invalidInput({ en: `${field} "${value}" ${why.en}`, fr: `${field} « ${value} » ${why.fr}` }, hint);

/** A site serves files or forwards to an application: never both. */
export const rootAndUpstream = () =>
  invalidInput(
    {
      en: 'A site either serves a folder (root) or forwards to an application (upstream), not both.',
      fr: 'Un site sert soit un dossier (root), soit transfère vers une application (upstream), pas les deux.',
    },
    { en: 'Give only one of root and upstream.', fr: "Indiquez seulement l'un de root et upstream." },
  );

/** The site is gone but some of its files are not: said as it is, never "nothing was left half-done". */
export const filesPartlyRemoved = (primary: string, detail: string) =>
  new OperationError(
    'site_files_left',
    {
      en: `The site ${primary} was removed, but some of its files could not be deleted.`,
      fr: `Le site ${primary} a été supprimé, mais certains de ses fichiers n'ont pas pu être effacés.`,
    },
    {
      en: 'Your provider has been alerted and will finish the cleanup; there is nothing for you to do.',
      fr: "Votre hébergeur a été prévenu et terminera le nettoyage ; vous n'avez rien à faire.",
    },
    detail,
  );

/** Another tenant's site does not exist for a client: the same answer as no site at all. */
export const noSuchSite = (name: string) =>
  notFound(
    { en: `The site "${name}"`, fr: `Le site « ${name} »` },
    {
      message: {
        en: `There is no site "${name}" in your account.`,
        fr: `Il n'y a pas de site « ${name} » dans votre compte.`,
      },
      hint: {
        en: 'Check the name; it is the main name the site was created with.',
        fr: 'Vérifiez le nom ; c’est le nom principal donné à la création du site.',
      },
    },
  );

/** The site's user name is another account's (not one serein made for this site): nothing was changed. */
export const siteUserTaken = (domain: string, detail: string) =>
  new OperationError(
    'site_user_taken',
    {
      en: `The site ${domain} could not get a system account of its own: the name it needs is already used on the server.`,
      fr: `Le site ${domain} n'a pas pu recevoir son propre compte système : le nom qu'il lui faut est déjà pris sur le serveur.`,
    },
    {
      en: 'Your provider has the details and can free the name; nothing was changed.',
      fr: "Votre hébergeur a les détails et peut libérer ce nom ; rien n'a été modifié.",
    },
    detail,
    409,
  );

/** useradd, userdel or the folders' script failed on the server: undone, the admin reads why. */
export const siteUserFailed = (detail: string) =>
  new OperationError(
    'site_user_failed',
    {
      en: "The site's own account or folders could not be set up on the server; nothing was left half-done.",
      fr: "Le compte ou les dossiers propres au site n'ont pas pu être préparés sur le serveur ; rien n'a été laissé à moitié fait.",
    },
    {
      en: 'Try again in a few minutes. Your provider has the details.',
      fr: 'Réessayez dans quelques minutes. Votre hébergeur a les détails.',
    },
    detail,
  );

/** A user and files kept from a deleted site of the name, another tenant's (or of no known tenant). */
export const siteKeptForAnother = (domain: string, detail: string) =>
  new OperationError(
    'site_kept_for_another',
    {
      en: `Ask your provider to clear what an earlier site left under the name ${domain}, then create the site again.`,
      fr: `Demandez à votre hébergeur d'effacer ce qu'un ancien site a laissé sous le nom ${domain}, puis créez à nouveau le site.`,
    },
    {
      en: 'The files and account of an earlier site with this name were kept when it was deleted, and are not yours; so as never to hand them to someone else, nothing was changed.',
      fr: "Les fichiers et le compte d'un ancien site de ce nom ont été gardés à sa suppression et ne sont pas les vôtres ; pour ne jamais les confier à quelqu'un d'autre, rien n'a été modifié.",
    },
    detail,
    409,
  );

/** Folders of an earlier site are where the new site's go: kept as they are, never taken over. */
export const siteFolderInUse = (domain: string, detail: string) =>
  new OperationError(
    'site_folder_in_use',
    {
      en: `Ask your provider to move the files an earlier site left under the name ${domain}, then create the site again.`,
      fr: `Demandez à votre hébergeur de déplacer les fichiers qu'un ancien site a laissés sous le nom ${domain}, puis créez à nouveau le site.`,
    },
    {
      en: 'Files of an earlier site with this name are still on the server; so as never to hand them to someone else, nothing was changed.',
      fr: "Des fichiers d'un ancien site de ce nom sont encore sur le serveur ; pour ne jamais les confier à quelqu'un d'autre, rien n'a été modifié.",
    },
    detail,
    409,
  );

/** PHP asked on a server with no php-fpm configured. */
export const phpNotOffered = (webserver: string) =>
  invalidInput(
    {
      en: `Choose a server that offers PHP: ${webserver} serves files and applications, not PHP.`,
      fr: `Choisissez un serveur qui propose PHP : ${webserver} sert des fichiers et des applications, pas PHP.`,
    },
    { en: 'Or create the site without PHP.', fr: 'Ou créez le site sans PHP.' },
  );

/** PHP needs the site's own user: a site made before ("legacy", its folder shared with the web server) does not get it. */
export const phpNeedsOwnUser = (domain: string) =>
  new OperationError(
    'php_legacy_site',
    {
      en: `Ask your provider to move ${domain} to a folder of its own before turning PHP on.`,
      fr: `Demandez à votre hébergeur de passer ${domain} dans un espace qui lui est propre avant d'activer PHP.`,
    },
    {
      en: 'This site was created before each site had its own account on the server, and PHP runs only under a site’s own account, so that no site can read another. Nothing was changed.',
      fr: 'Ce site a été créé avant que chaque site ait son propre compte sur le serveur, et PHP ne tourne que sous le compte propre d’un site, pour qu’aucun site ne puisse lire les autres. Rien n’a été modifié.',
    },
    undefined,
    409,
  );

/** php-fpm refused the new pool (`php-fpm -t`): the previous pools stay as they were. */
export const phpRejected = (output: string) =>
  new OperationError(
    'php_rejected',
    {
      en: "PHP could not be set up for the site: the server's PHP refused the new settings, so nothing was changed.",
      fr: "PHP n'a pas pu être préparé pour le site : le PHP du serveur a refusé les nouveaux réglages ; rien n'a donc été modifié.",
    },
    {
      en: 'Your provider has the details; try again once they have looked.',
      fr: 'Votre hébergeur a les détails ; réessayez une fois qu’il aura regardé.',
    },
    output,
  );

/** php-fpm did not reload: the pool's change was undone. */
export const phpReloadFailed = (output: string) =>
  new OperationError(
    'php_reload_failed',
    {
      en: "The server's PHP could not reload its settings; the change was undone.",
      fr: "Le PHP du serveur n'a pas pu recharger ses réglages ; la modification a été annulée.",
    },
    {
      en: 'Try again in a few minutes. Your provider has the details.',
      fr: 'Réessayez dans quelques minutes. Votre hébergeur a les détails.',
    },
    output,
  );
