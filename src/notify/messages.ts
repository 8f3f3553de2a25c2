import type { Language } from '../errors.js';
import { fillWords, wordsOf } from '../operation-words.js';
import { dateInWords } from '../util/dates.js';

/**
 * What the emails to clients say, in English and French, by the rules of
 * the client voice (how serein speaks to a client): what it means for them first, then
 * what was found, what to do and who does it. No token, path or job id.
 */

/** A French non-breaking space, before « : ; ? ! ». */
const NB = '\u00a0';

/** The parts of one email; the notices add the link and the signature. */
export interface Message {
  subject: string;
  /** The one sentence: what it means for them. */
  lead: string;
  /** What to do, and who does it. */
  steps: string[];
}

/** Why a renewal cannot succeed, in the client's words: their DNS, or the authority's check of their domain. */
export type BlockedBy = 'dns' | 'authority';

/**
 * A renewal that will keep failing until the client (or whoever manages their domain)
 * changes something. The first sentence is the change to make and by when; then why, in
 * what was found; then what happens without it and who can make it.
 */
export function renewalBlocked(
  lang: Language,
  o: { site: string; until: string; by: BlockedBy; fix: string; found?: string },
): Message {
  const until = dateInWords(o.until, lang);
  if (lang === 'fr') {
    const cause =
      o.by === 'dns'
        ? 'les réglages de votre domaine (DNS) empêchent son renouvellement'
        : "l'autorité qui garantit votre site n'a pas pu vérifier votre domaine";
    return {
      subject: `Votre site ${o.site} a besoin d'un changement pour rester sécurisé`,
      lead: `À faire avant le ${until} pour que votre site ${o.site} reste sécurisé${NB}: ${o.fix}`,
      steps: [
        `Pourquoi${NB}: ${o.found ?? `${cause}.`}`,
        `Votre site est sécurisé jusqu'au ${until}, mais il ne peut pas se renouveler tout seul${NB}: sans ce changement, vos visiteurs verront ensuite un avertissement de sécurité.`,
        `Ce changement se fait là où votre domaine est géré (souvent chez votre bureau d'enregistrement)${NB}; vous pouvez transférer ce message à la personne qui s'en occupe. Une fois fait, le renouvellement se fait tout seul et nous vous le confirmons.`,
      ],
    };
  }
  const cause =
    o.by === 'dns'
      ? "your domain's settings (DNS) stop it from renewing"
      : 'the authority that vouches for your site could not check your domain';
  return {
    subject: `Your site ${o.site} needs a change to stay secure`,
    lead: `To do before ${until} so that your site ${o.site} stays secure: ${o.fix}`,
    steps: [
      `Why: ${o.found ?? `${cause.charAt(0).toUpperCase()}${cause.slice(1)}.`}`,
      'Your site is secure until then, but it cannot renew by itself: without this change, your visitors will then see a security warning.',
      'This change is made where your domain is managed (often at your domain registrar); you may forward this email to whoever looks after it. Once it is made, the renewal happens by itself and we will confirm it to you.',
    ],
  };
}

/** A renewal failing for a reason on the provider's side, told to the client only when the expiry is near. */
export function renewalLate(lang: Language, o: { site: string; until: string }): Message {
  const until = dateInWords(o.until, lang);
  if (lang === 'fr') {
    return {
      subject: `Votre site ${o.site}${NB}: nous renouvelons sa connexion sécurisée`,
      lead: `Votre site ${o.site} est sécurisé jusqu'au ${until}${NB}; son renouvellement n'a pas encore abouti, pour une raison de notre côté.`,
      steps: [`Notre équipe est prévenue et nous réessayons tout seuls${NB}: vous n'avez rien à faire.`],
    };
  }
  return {
    subject: `Your site ${o.site}: we are renewing its secure connection`,
    lead: `Your site ${o.site} is secure until ${until}; renewing it has not worked yet, for a reason on our side.`,
    steps: ['Our team has been told and we keep trying by ourselves: you have nothing to do.'],
  };
}

/**
 * What a request did, as the object of "We could not finish ..." ("creating your site
 * shop.example.com"): the operation's `doing` words (playbooks/<operation>.words.yaml);
 * an operation without words is "a change to" the name.
 */
export function requestInWords(lang: Language, playbook: string, name: string): string {
  const doing = wordsOf(playbook)?.doing[lang];
  if (doing) return fillWords(doing, { name });
  return lang === 'fr' ? `une modification de ${name}` : `a change to ${name}`;
}

/** A request on the client's things that stopped half-way and that the provider finishes by hand. */
export function needsAttention(lang: Language, o: { playbook: string; name: string; at: string }): Message {
  const what = requestInWords(lang, o.playbook, o.name);
  const on = dateInWords(o.at, lang);
  if (lang === 'fr') {
    return {
      subject: `${o.name}${NB}: nous terminons une modification à la main`,
      lead: `Nous n'avons pas pu terminer ${what} le ${on}, et une partie n'a pas pu être annulée d'elle-même.`,
      steps: [`Notre équipe est prévenue et la termine${NB}: vous n'avez rien à faire.`],
    };
  }
  return {
    subject: `${o.name}: we are finishing a change by hand`,
    lead: `We could not finish ${what} on ${on}, and part of it could not be undone by itself.`,
    steps: ['Our team has been told and is finishing it: you have nothing to do.'],
  };
}

/** The link and the signature every email ends with; `canFix`: the page offers a repair for this. */
export function closing(lang: Language, o: { provider: string; canFix: boolean }): { link: string; footer: string } {
  if (lang === 'fr') {
    return {
      link: o.canFix
        ? `Votre page montre où en sont vos sites, et peut corriger cela pour vous quand nous gérons votre domaine${NB}:`
        : `Votre page montre où en sont vos sites${NB}:`,
      footer: `${o.provider} — vous recevez ce message au plus une fois par jour tant que cela dure.`,
    };
  }
  return {
    link: o.canFix
      ? 'Your page shows where your sites stand, and can fix this for you when we manage your domain:'
      : 'Your page shows where your sites stand:',
    footer: `${o.provider} — you get this email at most once a day while this lasts.`,
  };
}
