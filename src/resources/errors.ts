import { OperationError } from '../errors.js';

// The resource registry's own refusal; its invalid inputs and names taken are the shared
// invalid_input and conflict (src/errors.ts), told through invalidInput() and conflict() in ./kind.ts.

/**
 * 404 for a domain that is not among the tenant's (whether another's or nobody's: the two
 * read the same), with how it becomes theirs.
 */
export function notYourName(name: string): OperationError {
  return new OperationError(
    'not_yours',
    { en: `${name} is not one of your domains.`, fr: `${name} ne fait pas partie de vos domaines.` },
    {
      en: 'If it is yours, ask your provider to add it to your account; you can then use it here.',
      fr: "S'il est à vous, demandez à votre hébergeur de l'ajouter à votre compte\u00a0; vous pourrez ensuite l'utiliser ici.",
    },
    undefined,
    404,
  );
}
