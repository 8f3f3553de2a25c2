import type { Intent, Language, Topic } from './intents.js';

/** French typography: a non-breaking space before : ; ? ! (client-voice.md). */
const nb = '\u00a0';

/** "a or b", "a, b or c" in the client's language. */
export function either(items: string[], lang: Language): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${lang === 'fr' ? 'ou' : 'or'} ${items.at(-1)}`;
}

/** What will be done, in one sentence, for a proposal the client confirms. */
export function proposalSentence(intent: Intent, inputs: Record<string, unknown>, lang: Language): string {
  const fr = lang === 'fr';
  switch (intent) {
    case 'certificate.issue': {
      const site = (inputs.domains as string[])[0];
      return fr
        ? `Je vais sécuriser ${site} en HTTPS (le cadenas)${nb}: un certificat gratuit, qui se renouvelle tout seul. Confirmez pour lancer.`
        : `I will secure ${site} with HTTPS (the padlock): a free certificate that renews by itself. Confirm to start.`;
    }
    case 'vhost.create':
      return fr
        ? `Je vais créer le site ${inputs.domain as string}, avec son propre dossier pour vos fichiers. Confirmez pour lancer.`
        : `I will create the site ${inputs.domain as string}, with its own folder for your files. Confirm to start.`;
    case 'database.create':
      return fr
        ? `Je vais créer la base de données ${inputs.name as string} avec son propre utilisateur${nb}; son mot de passe sera affiché une seule fois. Confirmez pour lancer.`
        : `I will create the database ${inputs.name as string} with its own user; its password will be shown once. Confirm to start.`;
    case 'dns.fix':
      return fr
        ? `Je vais corriger l'adresse de ${inputs.domain as string} chez votre fournisseur de noms de domaine, pour qu'elle mène à votre site. Vous verrez d'abord les modifications${nb}; rien ne change avant votre confirmation.`
        : `I will correct the address of ${inputs.domain as string} at your domain's DNS provider, so that it leads to your site. You will see the changes first; nothing changes until you confirm.`;
    case 'certificate.renew':
      return fr
        ? `Je vais renouveler maintenant la connexion sécurisée (HTTPS) de ${inputs.site as string}${nb}; votre site reste sécurisé pendant ce temps. Confirmez pour lancer.`
        : `I will renew the secure connection (HTTPS) of ${inputs.site as string} now; your site stays secure meanwhile. Confirm to start.`;
    case 'vhost.delete':
      return fr
        ? `Je vais mettre hors ligne et supprimer le site ${inputs.domain as string}${nb}; vos fichiers sont conservés. Pour confirmer, tapez son nom${nb}: ${inputs.domain as string}.`
        : `I will take the site ${inputs.domain as string} offline and remove it; your files are kept. To confirm, type its name: ${inputs.domain as string}.`;
    case 'database.delete':
      return fr
        ? `Je vais supprimer la base de données ${inputs.name as string}, avec toutes ses données et son utilisateur${nb}; une copie reste dans votre corbeille pendant quelques semaines. Pour confirmer, tapez son nom complet, tel qu'il apparaît dans «${nb}Vos bases de données${nb}».`
        : `I will delete the database ${inputs.name as string} with all its data and its user; a copy stays in your trash for a few weeks. To confirm, type its full name, as shown under "Your databases".`;
    default:
      return handoffSentence(lang);
  }
}

/** What a handed-over request is about, in the client's words, for the answer. */
const TOPIC_WORDS: Record<Topic, [string, string]> = {
  billing: ['your invoice or your plan', 'votre facture ou votre offre'],
  mail: ['your e-mail', 'vos e-mails'],
  storage: ['more space or memory', "plus d'espace ou de mémoire"],
  human: ['speaking with a person', 'parler à une personne'],
  anger: ['what went wrong', "ce qui n'a pas été"],
  password: ['your access and password', 'vos accès et mot de passe'],
  backup: ['restoring a backup', "la restauration d'une sauvegarde"],
  hacked: ['the security of your site', 'la sécurité de votre site'],
  account: ['your account', 'votre compte'],
  other: ['', ''],
};

/** The kind answer when serein cannot do it: a person takes over, with the client's words and the topic named. */
export function handoffSentence(lang: Language, topic: Topic = 'other'): string {
  const about = TOPIC_WORDS[topic][lang === 'fr' ? 1 : 0];
  if (topic === 'anger') {
    return lang === 'fr'
      ? `Je suis désolé que cela ne se passe pas bien. Une personne de notre équipe reprend votre demande en priorité${nb}: je lui ai transmis votre message. Nous revenons vers vous rapidement.`
      : 'I am sorry this is not going well. A person from our team is taking over your request first: I have passed your message on. We will get back to you soon.';
  }
  if (about) {
    return lang === 'fr'
      ? `Pour ${about}, une personne de notre équipe va s'en occuper${nb}: je lui ai transmis votre message. Nous revenons vers vous rapidement.`
      : `A person from our team will take care of ${about}: I have passed your message on. We will get back to you soon.`;
  }
  return lang === 'fr'
    ? `Ce n'est pas quelque chose que je peux faire d'ici, mais une personne de notre équipe va s'en occuper${nb}: je lui ai transmis votre message. Nous revenons vers vous rapidement.`
    : 'This is not something I can do from here, but a person from our team will take care of it: I have passed your message on. We will get back to you soon.';
}

/** Short names of the operations, for a question about which one was meant. */
export function intentLabel(intent: Intent, lang: Language): string {
  const labels: Record<Intent, [string, string]> = {
    'certificate.issue': ['secure a site (HTTPS)', 'sécuriser un site (HTTPS)'],
    'vhost.create': ['create a new site', 'créer un nouveau site'],
    'database.create': ['create a database', 'créer une base de données'],
    'dns.fix': ["correct a domain's address", "corriger l'adresse d'un domaine"],
    'certificate.renew': ['renew a secure connection (HTTPS)', 'renouveler une connexion sécurisée (HTTPS)'],
    'vhost.delete': ['remove a site', 'supprimer un site'],
    'database.delete': ['delete a database', 'supprimer une base de données'],
    diagnose: ['check what is wrong with a site', 'vérifier ce qui ne va pas sur un site'],
    human: ['ask a person from our team', "demander à une personne de l'équipe"],
  };
  return labels[intent][lang === 'fr' ? 1 : 0];
}

/** One short question with its choices. `unknown` is a name the client wrote that is not theirs (or does not exist: the same words). */
export function questionSentence(field: string, choices: string[], lang: Language, unknown?: string): string {
  const fr = lang === 'fr';
  const prefix = unknown
    ? fr
      ? `Je ne trouve pas ${unknown} parmi vos sites. `
      : `I cannot find ${unknown} among your sites. `
    : '';
  const list = either(choices, lang);
  switch (field) {
    case 'site':
      if (!choices.length)
        return (
          prefix +
          (fr
            ? `Vous n'avez pas encore de site${nb}: dites-moi d'abord lequel créer.`
            : 'You have no site yet: tell me first which one to create.')
        );
      return prefix + (fr ? `Quel site${nb}: ${list}${nb}?` : `Which site: ${list}?`);
    case 'domain':
      if (!choices.length)
        return (
          prefix +
          (fr
            ? `Quel nom pour le nouveau site${nb}? Par exemple boutique.exemple.fr.`
            : 'What name should the new site have? For example shop.example.com.')
        );
      return (
        prefix +
        (fr
          ? `Quel nom pour le nouveau site${nb}: ${list}${nb}? Vous pouvez aussi écrire un autre nom.`
          : `What name should the new site have: ${list}? You can also write another name.`)
      );
    case 'name':
      return fr
        ? `Quel nom pour la base de données${nb}${choices.length ? `: ${list}` : ''}${nb}? Vous pouvez aussi écrire un autre nom, par exemple wordpress.`
        : `What should the database be called${choices.length ? `: ${list}` : ''}? You can also write another name, for example wordpress.`;
    case 'database':
      return fr ? `Quelle base de données${nb}: ${list}${nb}?` : `Which database: ${list}?`;
    case 'server':
      return fr ? `Sur quel serveur${nb}: ${list}${nb}?` : `On which server: ${list}?`;
    default:
      return fr ? `Voulez-vous ${list}${nb}?` : `Do you want to ${list}?`;
  }
}
