import type { Language } from '../errors.js';
import type { Message } from './messages.js';

const NB = '\u00a0';
const UNITS: Record<Language, string[]> = { en: ['B', 'KB', 'MB', 'GB', 'TB'], fr: ['o', 'Ko', 'Mo', 'Go', 'To'] };

/** A size in the client's words: "1.2 GB", « 1,2 Go » (1000-based, one decimal at most). */
export function sizeInWords(bytes: number, lang: Language): string {
  let v = Math.max(0, bytes);
  let i = 0;
  while (v >= 1000 && i < UNITS[lang].length - 1) {
    v /= 1000;
    i++;
  }
  const n = new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: i === 0 ? 0 : 1 }).format(
    v,
  );
  return `${n}${lang === 'fr' ? NB : ' '}${UNITS[lang][i]}`;
}

/** The email when a tenant nears its disk quota: what it means first, then what to do and who does it. */
export function diskNearQuota(lang: Language, o: { used: number; quota: number }): Message {
  const used = sizeInWords(o.used, lang);
  const quota = sizeInWords(o.quota, lang);
  const pct = Math.min(999, Math.round((o.used / o.quota) * 100));
  if (lang === 'fr') {
    return {
      subject: `Votre espace est presque plein (${pct}${NB}%)`,
      lead: `Vos sites et bases de données utilisent ${used} sur les ${quota} de votre offre${NB}: quand l'espace sera plein, vos sites ne pourront plus enregistrer de nouveaux fichiers.`,
      steps: [
        `Supprimez les fichiers ou les bases dont vous n'avez plus besoin, ou demandez plus d'espace à votre hébergeur.`,
        `Le détail, site par site, est sur votre page.`,
      ],
    };
  }
  return {
    subject: `Your space is almost full (${pct}%)`,
    lead: `Your sites and databases use ${used} of the ${quota} your plan includes: once it is full, your sites cannot save new files.`,
    steps: [
      'Delete files or databases you no longer need, or ask your provider for more space.',
      'The figures, site by site, are on your page.',
    ],
  };
}
