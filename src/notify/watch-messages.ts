import type { Language } from '../errors.js';
import { dateInWords, requestInWords, type Message } from './messages.js';

/**
 * What the watches tell a client (src/watch): a change on their domain that will stop
 * the next renewal, and a request the provider's team did for them. Written by the rules
 * of the client voice: what it means for them first, then what to do and who does it.
 */

const NB = '\u00a0';

/** A change in the client's DNS that will make the next renewal fail, told weeks before it. */
export function driftFound(lang: Language, o: { site: string; renewAt: string; until: string; found: string[]; fix: string[] }): Message {
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
