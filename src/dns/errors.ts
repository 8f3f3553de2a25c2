import { OperationError, type Localized } from '../errors.js';

// The errors of names and DNS: a name that is not a domain, a record serein may not write, a preflight that found problems.

/** A name that is not a domain serein can use: `why` says what is wrong with it, `hint` how to write it. */
export function invalidDomain(raw: string, why: Localized, hint: Localized): OperationError {
  return new OperationError(
    'invalid_domain',
    { en: `"${raw}" ${why.en}`, fr: `« ${raw} » ${why.fr}` },
    hint,
    undefined,
    400,
  );
}

/** A record name outside the zone, or not a plain DNS name: never written to a DNS host. */
export function invalidRecordName(name: string, zone: string): OperationError {
  return new OperationError(
    'invalid_record_name',
    {
      en: `"${name}" is not a DNS name serein may write.`,
      fr: `« ${name} » n'est pas un nom DNS que serein peut écrire.`,
    },
    {
      en: 'Check the domain name and its DNS records.',
      fr: 'Vérifiez le nom de domaine et ses enregistrements DNS.',
    },
    `record name ${JSON.stringify(name)} refused for zone ${zone}`,
    400,
  );
}

/**
 * The preflight found problems, so nothing was asked of the CA: `problems` says each once,
 * `fixes` what to do (every fix once), `detail` the checks for admins.
 */
export function preflightFailed(problems: Localized, fixes: Localized, detail: string): OperationError {
  return new OperationError(
    'preflight_failed',
    problems,
    {
      en: fixes.en || 'Fix the problems above, then try again.',
      fr: fixes.fr || 'Corrigez les problèmes ci-dessus, puis réessayez.',
    },
    detail,
  );
}
