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
