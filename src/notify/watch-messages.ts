import type { Language } from '../errors.js';
import { dateInWords } from '../util/dates.js';
import { requestInWords, type Message } from './messages.js';

/**
 * What the watches tell a client (src/watch): a change on their domain that will stop
 * the next renewal, and a request the provider's team did for them. Written by the rules
 * of the client voice: what it means for them first, then what to do and who does it.
 */

const NB = '\u00a0';

/** A change in the client's DNS that will make the next renewal fail, told weeks before it. */
export function driftFound(
  lang: Language,
  o: { site: string; renewAt: string; until: string; found: string[]; fix: string[] },
): Message {
  const renew = dateInWords(o.renewAt, lang);
  const until = dateInWords(o.until, lang);
  if (lang === 'fr') {
    return {
      subject: `Votre site ${o.site}${NB}: un changement à faire avant le ${renew}`,
      lead: `Votre site ${o.site} est sécurisé jusqu'au ${until}, mais un changement récent sur votre domaine empêchera son renouvellement, prévu vers le ${renew}${NB}: sans correction d'ici là, vos visiteurs verront un avertissement de sécurité.`,
      steps: [
        ...o.found.map((f) => `Ce que nous avons trouvé${NB}: ${f}`),
        ...o.fix.map((f) => `Que faire${NB}: ${f}`),
        `Ce changement se fait là où votre domaine est géré (souvent chez votre bureau d'enregistrement)${NB}; vous pouvez transférer ce message à la personne qui s'en occupe. Vous avez le temps${NB}: nous vérifions à nouveau chaque jour.`,
      ],
    };
  }
  return {
    subject: `Your site ${o.site}: a change to make before ${renew}`,
    lead: `Your site ${o.site} is secure until ${until}, but a recent change on your domain will stop it from renewing around ${renew}: unless it is corrected before then, your visitors will see a security warning.`,
    steps: [
      ...o.found.map((f) => `What we found: ${f}`),
      ...o.fix.map((f) => `What to do: ${f}`),
      'This change is made where your domain is managed (often at your domain registrar); you may forward this email to whoever looks after it. There is time: we check again every day.',
    ],
  };
}

/** A request the provider's team ran for the client after they got stuck: it is done. */
export function doneForThem(lang: Language, o: { playbook: string; name: string; at: string }): Message {
  const what = requestInWords(lang, o.playbook, o.name);
  const on = dateInWords(o.at, lang);
  if (lang === 'fr') {
    const of = `de ${what}`.replace(/^de le /, 'du ');
    return {
      subject: `${o.name}${NB}: c'est fait`,
      lead: `C'est fait${NB}: notre équipe s'est chargée ${of} pour vous le ${on}.`,
      steps: [`Vous n'avez rien à faire. Votre page montre où en sont vos sites.`],
    };
  }
  const cap = what.charAt(0).toUpperCase() + what.slice(1);
  return {
    subject: `${o.name}: it is done`,
    lead: `${cap} is done: our team did it for you on ${on}.`,
    steps: ['You have nothing to do. Your page shows where your sites stand.'],
  };
}

/** What ended a conversation, as the all-clear says it (src/store/conversation.ts, Resolution). */
export interface AllClear {
  /** The site, domain or request it was about. */
  name: string;
  by: 'client' | 'team' | 'serein';
  /** dns-fixed, renewed, issued, site-removed, done, answered, resolved. */
  what: string;
  /** done: the operation the team ran. */
  playbook?: string;
  /** renewed / issued: until when the site is secure. */
  until?: string;
  /** The problem had ended once before and came back. */
  cameBack?: boolean;
}

/** The all-clear: « c'est réglé », with what changed and who did it; the client has nothing left to do. */
export function allClear(lang: Language, o: AllClear): Message {
  const until = o.until ? dateInWords(o.until, lang) : undefined;
  if (lang === 'fr') {
    const what: Record<string, string> = {
      'dns-fixed': `les réglages de votre domaine sont corrects maintenant${NB}; votre site ${o.name} se renouvellera tout seul`,
      renewed: `la connexion sécurisée de votre site ${o.name} est renouvelée${until ? `${NB}: il est sécurisé jusqu'au ${until}` : ''}`,
      issued: `votre site ${o.name} est sécurisé${until ? ` jusqu'au ${until}` : ''}`,
      'site-removed': `votre site ${o.name} a été supprimé, il n'y a donc plus rien à faire à son sujet`,
      done: `notre équipe s'est chargée ${`de ${requestInWords('fr', o.playbook ?? '', o.name)}`.replace(/^de le /, 'du ')} pour vous`,
      answered: `notre équipe vous a répondu au sujet de ${o.name}`,
      resolved: `notre équipe a réglé ce qui concernait ${o.name}`,
    };
    const who = o.by === 'client' ? ` Merci d'avoir fait la modification${NB}!` : '';
    return {
      subject: `${o.name}${NB}: c'est réglé`,
      lead: `C'est réglé${NB}: ${what[o.what] ?? what.resolved}.${who}`,
      steps: [
        `Vous n'avez rien d'autre à faire.${o.cameBack ? ` Le même souci était déjà revenu une fois${NB}; nous continuons de vérifier chaque jour.` : ''}`,
      ],
    };
  }
  const what: Record<string, string> = {
    'dns-fixed': `your domain's settings are right now; your site ${o.name} will renew by itself`,
    renewed: `the secure connection of your site ${o.name} is renewed${until ? `: it is secure until ${until}` : ''}`,
    issued: `your site ${o.name} is secure${until ? ` until ${until}` : ''}`,
    'site-removed': `your site ${o.name} was removed, so there is nothing left to do about it`,
    done: `our team took care of ${requestInWords('en', o.playbook ?? '', o.name)} for you`,
    answered: `our team answered you about ${o.name}`,
    resolved: `our team sorted out what concerned ${o.name}`,
  };
  const who = o.by === 'client' ? ' Thank you for making the change!' : '';
  return {
    subject: `${o.name}: it's sorted`,
    lead: `It's sorted: ${what[o.what] ?? what.resolved}.${who}`,
    steps: [
      `You have nothing else to do.${o.cameBack ? ' The same problem had come back once; we keep checking every day.' : ''}`,
    ],
  };
}

/** A person of the provider's team answered the client in words (the answer is quoted as written). */
export function answered(lang: Language, o: { name: string; by: string; text: string }): Message {
  if (lang === 'fr')
    return {
      subject: `${o.name}${NB}: notre réponse`,
      lead: `${o.by}, de notre équipe, vous répond${NB}:`,
      steps: [o.text, `Vous pouvez aussi lire cette réponse sur votre page.`],
    };
  return {
    subject: `${o.name}: our answer`,
    lead: `${o.by}, from our team, answers you:`,
    steps: [o.text, 'You can also read this answer on your page.'],
  };
}

/** The exact DNS change for the client to make where their domain is managed, sent by a person of the team. */
export function fixSent(lang: Language, o: { site: string; by: string; changes: string[]; found: string[] }): Message {
  if (lang === 'fr') {
    return {
      subject: `Votre site ${o.site}${NB}: la modification à faire`,
      lead: `Faites cette modification là où votre domaine est géré (souvent chez votre bureau d'enregistrement)${NB}: sans elle, votre site ${o.site} ne pourra pas rester sécurisé.`,
      steps: [
        ...o.changes.map((c) => `À faire${NB}: ${c}`),
        ...o.found.map((f) => `Pourquoi${NB}: ${f}`),
        `${o.by}, de notre équipe, vous l'envoie${NB}; vous pouvez transférer ce message à la personne qui gère votre domaine. Dès que c'est fait, nous le voyons et vous le disons.`,
      ],
    };
  }
  return {
    subject: `Your site ${o.site}: the change to make`,
    lead: `Make this change where your domain is managed (often at your domain registrar): without it, your site ${o.site} cannot stay secure.`,
    steps: [
      ...o.changes.map((c) => `To do: ${c}`),
      ...o.found.map((f) => `Why: ${f}`),
      `${o.by}, from our team, sends you this; you may forward this email to whoever manages your domain. As soon as it is done, we see it and tell you.`,
    ],
  };
}

/** A person of the provider's team took the client's problem or request. */
export function takenCare(lang: Language, o: { name: string; by: string }): Message {
  if (lang === 'fr')
    return {
      subject: `${o.name}${NB}: ${o.by} s'en occupe`,
      lead: `${o.by}, de notre équipe, s'occupe de ${o.name} pour vous.`,
      steps: [`Vous n'avez rien à faire${NB}: nous vous écrivons dès que c'est réglé.`],
    };
  return {
    subject: `${o.name}: ${o.by} is on it`,
    lead: `${o.by}, from our team, is taking care of ${o.name} for you.`,
    steps: ['You have nothing to do: we write to you as soon as it is sorted.'],
  };
}
