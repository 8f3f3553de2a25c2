import { fillWords } from '../operation-words.js';
import type { Intent, Language, Operations } from './intents.js';

/**
 * A new site (or environment) asked for on a domain that is not on the client's account yet
 * ("un site pour nouveau.fr"): serein cannot create it (a tenant's sites live on its own
 * domains: isolation), and asking "which domain?" would ignore what the client said. A
 * support agent answers that the domain is added for them and the site made after, and hands
 * it to a person with the topic `account`, the operation the client wanted carried so the
 * admin adds the domain and runs it in one click.
 */

/** French typography: a non-breaking space before : ; ? ! (client-voice.md). */
const nb = '\u00a0';

/** The first name written that is on none of the client's domains (nor one of their sites): the domain they want a site on. */
export function domainNotOwned(names: string[], domains: string[], sites: string[]): string | undefined {
  return names
    .map((n) => n.replace(/^www\./, ''))
    .find((n) => !sites.includes(n) && !domains.some((d) => n === d || n.endsWith(`.${d}`)));
}

/** What the client reads: the domain is not on their account yet, we add it, then we do what they asked, a person on it. */
export function notOwnedSentence(operations: Operations, intent: Intent, domain: string, lang: Language): string {
  const doing = operations.get(intent)?.doing?.[lang];
  const what = doing
    ? fillWords(doing, { name: domain, domain })
    : lang === 'fr'
      ? `la création de votre site ${domain}`
      : `creating your site ${domain}`;
  return lang === 'fr'
    ? `${domain} n'est pas encore sur votre compte${nb}: nous l'ajoutons pour vous, puis nous nous occupons de ${what}. Une personne de notre équipe s'en charge${nb}; nous revenons vers vous rapidement.`
    : `${domain} is not on your account yet: we are adding it for you, then we will take care of ${what}. A person from our team is on it; we will get back to you soon.`;
}
