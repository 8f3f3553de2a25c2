import { notFound, notYourDomain, invalidInput, OperationError, type Localized } from '../errors.js';

// The errors of the trash: a copy that could not be kept before a delete, and trash.restore's refusals and failures.

/** A copy could not be kept before a delete, so nothing was deleted (the detail is for admins). */
export function copyFailed(what: Localized, detail: string): OperationError {
  return new OperationError(
    'trash_copy_failed',
    {
      en: `A copy of ${what.en} could not be kept, so nothing was deleted.`,
      fr: `Une copie de ${what.fr} n'a pas pu être gardée, donc rien n'a été supprimé.`,
    },
    {
      en: 'Try again later. If it fails again, your provider has the details.',
      fr: 'Réessayez plus tard. Si cela échoue encore, votre hébergeur a les détails.',
    },
    detail,
  );
}

/** The copy is not the caller's, or expired: another tenant's copy reads the same as none. */
export function notInTrash(): OperationError {
  return notFound(
    { en: 'This copy', fr: 'Cette copie' },
    {
      message: {
        en: 'This copy is not in your trash (any more).',
        fr: "Cette copie n'est pas (ou plus) dans votre corbeille.",
      },
      hint: {
        en: 'Open your trash to see what can be restored; copies are kept for a limited time.',
        fr: 'Ouvrez votre corbeille pour voir ce qui peut être restauré\u00a0; les copies sont gardées un temps limité.',
      },
    },
  );
}

/** The copy could not be put back: what this run created is undone, the copy stays (the detail is for admins). */
export function loadFailed(name: string, detail: string): OperationError {
  return new OperationError(
    'trash_restore_failed',
    {
      en: `The copy of ${name} could not be put back, so nothing was restored.`,
      fr: `La copie de ${name} n'a pas pu être remise, donc rien n'a été restauré.`,
    },
    {
      en: 'The copy is still in your trash. Try again later; if it fails again, your provider has the details.',
      fr: 'La copie est toujours dans votre corbeille. Réessayez plus tard\u00a0; si cela échoue encore, votre hébergeur a les détails.',
    },
    detail,
  );
}

/** A database's copy comes back on the server it was on: another server was named. */
export function notThisServer(server: string): OperationError {
  return invalidInput(
    {
      en: `This copy is of a database on the server ${server}.`,
      fr: `Cette copie est celle d'une base du serveur ${server}.`,
    },
    {
      en: `Leave the server empty, or choose ${server}.`,
      fr: `Laissez le serveur vide, ou choisissez ${server}.`,
    },
  );
}

/** Refused, nothing changed: the same name is taken; the client chooses another (the input the operation accepts). */
export function restoreNameTaken(
  what: 'database' | 'site',
  name: string,
  suggestion: string,
  detail: string,
): OperationError {
  return new OperationError(
    'restore_name_taken',
    what === 'database'
      ? {
          en: `Choose another name to restore this database: "${name}" already exists, and we never restore over it.`,
          fr: `Choisissez un autre nom pour restaurer cette base\u00a0: «\u00a0${name}\u00a0» existe déjà, et nous ne restaurons jamais par-dessus.`,
        }
      : {
          en: `Choose another address to restore these files: the site ${name} already has files, and we never restore over them.`,
          fr: `Choisissez une autre adresse pour restaurer ces fichiers\u00a0: le site ${name} a déjà des fichiers, et nous ne restaurons jamais par-dessus.`,
        },
    what === 'database'
      ? {
          en: `Restore it under another name, for example ${suggestion}. Nothing was changed.`,
          fr: `Restaurez-la sous un autre nom, par exemple ${suggestion}. Rien n'a été modifié.`,
        }
      : {
          en: `Restore them under another address of yours, for example ${suggestion}. Nothing was changed.`,
          fr: `Restaurez-les sous une autre adresse de votre compte, par exemple ${suggestion}. Rien n'a été modifié.`,
        },
    detail,
    409,
  );
}

/** Refused, nothing changed: the name the files would come back under is no longer the tenant's. */
export function noLongerYours(name: string): OperationError {
  return notYourDomain(
    {
      en: `Choose another of your addresses to bring these files back: ${name} is no longer one of yours.`,
      fr: `Choisissez une autre de vos adresses pour ramener ces fichiers\u00a0: ${name} ne fait plus partie des vôtres.`,
    },
    {
      en: `Nothing was changed. Ask your provider if ${name} should still be yours.`,
      fr: `Rien n'a été modifié. Demandez à votre hébergeur si ${name} devrait encore être à vous.`,
    },
    `${name} is not a domain of the copy's tenant`,
  );
}

/** Refused, nothing changed: the server the copy came from was taken from the tenant since. */
export function serverNotYours(what: 'database' | 'site', server: string): OperationError {
  return new OperationError(
    'server_not_yours',
    what === 'database'
      ? {
          en: `Ask your provider to restore this database: you can no longer use the server ${server} it was on.`,
          fr: `Demandez à votre hébergeur de restaurer cette base\u00a0: vous ne pouvez plus utiliser le serveur ${server} où elle était.`,
        }
      : {
          en: `Ask your provider to bring these files back: you can no longer use the server ${server} they were on.`,
          fr: `Demandez à votre hébergeur de ramener ces fichiers\u00a0: vous ne pouvez plus utiliser le serveur ${server} où ils étaient.`,
        },
    {
      en: 'Nothing was changed; the copy stays in your trash until it expires.',
      fr: "Rien n'a été modifié\u00a0; la copie reste dans votre corbeille jusqu'à son expiration.",
    },
    `the copy's tenant may no longer use the server ${server}`,
    403,
  );
}
