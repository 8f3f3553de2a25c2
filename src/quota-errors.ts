import { OperationError } from './errors.js';

/** Refused when a tenant already has its most jobs queued or running: 429, as it passes once one ends. */
export const tooManyJobs = (max: number) =>
  new OperationError(
    'too_many_jobs',
    {
      en: `Your account already has ${max} ${max === 1 ? 'request' : 'requests'} in progress, the most it runs at once.`,
      fr: `Votre compte a déjà ${max} ${max === 1 ? 'demande' : 'demandes'} en cours, le maximum qu'il peut lancer en même temps.`,
    },
    {
      en: 'Try again when one of them is done. Nothing was started.',
      fr: "Réessayez quand l'une d'elles sera terminée. Rien n'a été lancé.",
    },
    `tenant quota runningJobs = ${max}`,
    429,
  );
