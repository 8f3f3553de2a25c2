import { fillWords } from '../operation-words.js';
import type { Intent, Language, NotOperation, Operations, Topic } from './intents.js';

/** French typography: a non-breaking space before : ; ? ! (client-voice.md). */
const nb = '\u00a0';

/** "a or b", "a, b or c" in the client's language. */
export function either(items: string[], lang: Language): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${lang === 'fr' ? 'ou' : 'or'} ${items.at(-1)}`;
}

/**
 * What will be done, in one sentence, for a proposal the client confirms: the operation's
 * `proposal` words (playbooks/<operation>.words.yaml) with its inputs. Only operations with
 * words are ever proposed (./slots.ts); one without says a person takes it rather than nothing.
 */
export function proposalSentence(
  operations: Operations,
  intent: Intent,
  inputs: Record<string, unknown>,
  lang: Language,
): string {
  const words = operations.get(intent)?.proposal;
  return words ? fillWords(words[lang], inputs) : handoffSentence(lang);
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

/** What asking for no operation is, in a question about which one was meant. */
const NOT_OPERATION_LABELS: Record<NotOperation, [string, string]> = {
  diagnose: ['check what is wrong with a site', 'vérifier ce qui ne va pas sur un site'],
  human: ['ask a person from our team', "demander à une personne de l'équipe"],
};

/** Short names of the operations (their words' `label`), for a question about which one was meant. */
export function intentLabel(operations: Operations, intent: Intent, lang: Language): string {
  const own = NOT_OPERATION_LABELS[intent as NotOperation];
  return own ? own[lang === 'fr' ? 1 : 0] : (operations.get(intent)?.label[lang] ?? intent);
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
