import { OperationError, type Language, type Localized } from '../errors.js';

// The 429s of the API's limits (src/api/limits.ts) and live streams (src/api/streams.ts), each with the wait in words.

/** "about 40 seconds", "environ 3 minutes": a wait as a client reads it. */
function wait(seconds: number, language: Language): string {
  const minutes = Math.round(seconds / 60);
  if (seconds < 90)
    return language === 'fr'
      ? `environ ${seconds}\u00a0seconde${seconds > 1 ? 's' : ''}`
      : `about ${seconds} second${seconds === 1 ? '' : 's'}`;
  return language === 'fr' ? `environ ${minutes}\u00a0minutes` : `about ${minutes} minutes`;
}

const inBoth = (f: (l: Language) => string): Localized => ({ en: f('en'), fr: f('fr') });

/** An address past `limits.failedAuth` tokens that did not verify: refused for `seconds` (valid tokens still served). */
export function tooManyFailedTokens(seconds: number, detail: string): OperationError {
  return new OperationError(
    'too_many_failed_tokens',
    {
      en: 'Too many requests with a token that is not valid came from your address.',
      fr: 'Trop de demandes avec un jeton non valable sont venues de votre adresse.',
    },
    inBoth((l) =>
      l === 'fr'
        ? `Réessayez dans ${wait(seconds, l)} avec un jeton valable ; si le vôtre ne marche plus, demandez-en un nouveau à votre hébergeur.`
        : `Try again in ${wait(seconds, l)} with a valid token; if yours no longer works, ask your provider for a new one.`,
    ),
    detail,
    429,
  );
}

/** A client token past its limit of jobs, names to check or requests in words: nothing was started. */
export function rateLimited(names: boolean, seconds: number, detail: string): OperationError {
  return new OperationError(
    'rate_limited',
    names
      ? {
          en: 'You asked to check many names in a short time, so these were not checked.',
          fr: "Vous avez demandé à vérifier beaucoup de noms en peu de temps, ceux-ci n'ont donc pas été vérifiés.",
        }
      : {
          en: 'You sent many requests in a short time, so this one was not taken.',
          fr: "Vous avez envoyé beaucoup de demandes en peu de temps, celle-ci n'a donc pas été prise.",
        },
    inBoth((l) =>
      l === 'fr'
        ? `Réessayez dans ${wait(seconds, l)}. Rien n'a été lancé.`
        : `Try again in ${wait(seconds, l)}. Nothing was started.`,
    ),
    detail,
    429,
  );
}

/** A token or an address already following `n` jobs live, the most `limits.streams` allows. */
export function tooManyStreams(by: 'token' | 'address', n: number, seconds: number, detail: string): OperationError {
  return new OperationError(
    'too_many_streams',
    by === 'token'
      ? {
          en: `You already follow ${n} requests live at once, the most we allow.`,
          fr: `Vous suivez déjà ${n}\u00a0demandes en direct à la fois, le maximum autorisé.`,
        }
      : {
          en: `${n} requests are already followed live from your address, the most we allow at once.`,
          fr: `${n}\u00a0demandes sont déjà suivies en direct depuis votre adresse, le maximum autorisé à la fois.`,
        },
    inBoth((l) =>
      l === 'fr'
        ? `Fermez une page ou un onglet qui suit une demande, puis réessayez dans ${wait(seconds, l)}. Les demandes elles-mêmes continuent.`
        : `Close a page or tab that follows a request, then try again in ${wait(seconds, l)}. The requests themselves go on.`,
    ),
    detail,
    429,
  );
}
