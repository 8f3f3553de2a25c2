// A removal is never proposed for a request that removes nothing (issue 20, round 3): a
// desire negated in any form ("I don't want anything deleted", « je ne veux rien
// supprimer », "I'm not asking you to remove", "nobody wants the site deleted"), the
// negation before or after the verb, near it or anywhere before it in its clause, said in
// passing beside a symptom. The engine alone, no daemon: its rules and model, as the route calls them.
import { describe, expect, it } from 'vitest';
import { requestClassifier } from '../src/requests/classifier.js';
import { removes } from '../src/requests/intents.js';
import { understand, type ClientThings } from '../src/requests/understand.js';

const client: ClientThings = {
  sites: ['boutique.fr', 'blog.exemple.fr'],
  domains: ['boutique.fr', 'exemple.fr'],
  webservers: ['main'],
  databaseServers: ['maria', 'pg'],
  databaseEngines: { maria: 'mariadb', pg: 'postgres' },
  databases: [
    { name: 'boutique_wp', server: 'maria', full: 't1_boutique_wp' },
    { name: 'clients', server: 'pg', full: 't1_clients' },
    { name: 'test_old', server: 'maria', full: 't1_test_old' },
  ],
};
const read = (text: string, language: 'en' | 'fr' = 'en') =>
  understand(requestClassifier(), text, client, { language });
/** Every operation an answer offers, its question's choices included. */
const offered = (text: string, language: 'en' | 'fr' = 'en') => {
  const u = read(text, language);
  return [...(u.proposals ?? (u.proposal ? [u.proposal] : [])), ...(u.question?.choices ?? []).map((c) => c.proposal)]
    .filter(Boolean)
    .map((p) => p!.playbook);
};
const removals = (text: string, language: 'en' | 'fr' = 'en') =>
  offered(text, language).filter((op) => removes(requestClassifier().corpus.operations, op));

const SYMPTOMS_EN = [
  'Since this morning my shop only shows a white page.',
  'blog.exemple.fr shows an empty page when I open it',
  'The blog is blank for our visitors.',
];
const NEGATED_EN = [
  "I'd like nothing to be deleted",
  'I want nothing removed',
  "I'm not asking for a deletion",
  'I am not asking you to delete the site',
  'nobody wants the site deleted',
  'I do not want, of course, anything erased',
  'the last thing I want is the blog deleted',
  'please make sure you do not remove anything',
  'at no point should anything be wiped',
  'no need to delete anything',
  'I really do not want the site or its database to be removed',
  'I do not wish to have it deleted',
  'removing anything is out of the question',
  'we never asked for the site to be deleted',
  "don't need anything dropped",
  'without anything being deleted',
];
const SYMPTOMS_FR = [
  'Depuis ce matin la boutique affiche une page toute blanche.',
  'blog.exemple.fr est vide quand on l’ouvre',
  'Le blog ne montre plus rien aux visiteurs.',
];
const NEGATED_FR = [
  'je ne veux, bien sûr, rien supprimer',
  'il n’y a rien à effacer',
  'je ne vous demande pas de supprimer le site',
  'je ne souhaite en aucun cas que le site soit supprimé',
  'ce que je ne veux surtout pas, c’est qu’on supprime le site',
  'pas besoin de supprimer quoi que ce soit',
  'hors de question d’effacer quoi que ce soit',
  'personne ne veut que le site soit retiré',
  'rien ne doit être enlevé',
  'je voudrais qu’aucun fichier ne soit supprimé',
  'sans rien jeter',
  'j’ai jamais demandé de virer le blog',
  'je veux pas le blog supprime',
  'surtout rien de supprimé',
];

describe('a desire negated never makes a removal', () => {
  it('said in passing beside a symptom, before or after it, in English', () => {
    for (const symptom of SYMPTOMS_EN)
      for (const negated of NEGATED_EN)
        for (const text of [`${symptom} ${negated}.`, `${negated[0].toUpperCase()}${negated.slice(1)}: ${symptom}`])
          expect(removals(text), text).toEqual([]);
  });

  it('said in passing beside a symptom, before or after it, in French', () => {
    for (const symptom of SYMPTOMS_FR)
      for (const negated of NEGATED_FR)
        for (const text of [`${symptom} ${negated}.`, `${negated[0].toUpperCase()}${negated.slice(1)}, ${symptom}`])
          expect(removals(text, 'fr'), text).toEqual([]);
  });

  it('alone, or joined by "and" to the symptom', () => {
    for (const [text, lang] of [
      ['I am not asking you to remove the blog', 'en'],
      ['nobody wants test_old dropped', 'en'],
      ['blank page on the blog and I don’t want anything removed', 'en'],
      ['page blanche sur le blog et je veux rien supprimer', 'fr'],
      ['Je ne voudrais pas que vous effaciez la base test_old, elle sert encore', 'fr'],
      ['I never asked for test_old to be deleted', 'en'],
      ['Please don’t delete anything, the shop is down', 'en'],
      ['We don’t need anything removed, boutique.fr is just showing an error 500', 'en'],
      ['Aucune suppression svp, le blog est en panne', 'fr'],
      ['N’effacez aucune base, le site boutique.fr affiche une erreur', 'fr'],
      ['I’d rather nothing got deleted, boutique.fr is blank', 'en'],
      ['nobody can delete the blog, right?', 'en'],
      ['je ne veux pas que le blog puisse être supprimé par erreur', 'fr'],
      ['I don’t think the blog can be deleted', 'en'],
    ] as const)
      expect(removals(text, lang), text).toEqual([]);
  });

  it('a removal asked after a negation about something else is still the removal asked', () => {
    for (const [text, op] of [
      ['I no longer use the blog so please delete it', 'vhost.delete'],
      ['No one uses test_old, please delete it', 'database.delete'],
      ['je n’ai plus besoin de test_old supprimez la', 'database.delete'],
      ['nothing works on boutique.fr, please delete test_old', 'database.delete'],
      ['I want the blog deleted', 'vhost.delete'],
      ['je n’utilise plus le blog vous pouvez le supprimer', 'vhost.delete'],
      ['le blog ne sert plus à rien supprimez-le', 'vhost.delete'],
      ['je ne veux plus du blog supprimez le', 'vhost.delete'],
    ] as const)
      expect(offered(text), text).toContain(op);
  });

  it('a removal taken back is not proposed, and a thing let go of is removed, never made', () => {
    for (const [text, lang, op] of [
      [
        'I meant to have the blog deleted but I’ll keep it after all. Could you renew the shop’s certificate?',
        'en',
        'certificate.renew',
      ],
      [
        'Je voulais supprimer test_old, mais je la garde. Il me faudrait plutôt une base appelée stats',
        'fr',
        'database.create',
      ],
      ['We thought of removing the blog; we keep it. A new site compta.exemple.fr please', 'en', 'vhost.create'],
    ] as const) {
      expect(removals(text, lang), text).toEqual([]);
      expect(offered(text, lang), text).toContain(op);
    }
    for (const [text, lang, op] of [
      ['Our data moved elsewhere, so the PostgreSQL database clients can go', 'en', 'database.delete'],
      ['la base test_old peut sauter, plus personne ne s’en sert', 'fr', 'database.delete'],
      ['Please delete the database test_old, we saved it with mysqldump already', 'en', 'database.delete'],
      // What the client tells they did beside the removal is neither removed nor made.
      ['delete test_old please, we rebuilt the shop on another database', 'en', 'database.delete'],
      ['Effacez la base clients, nous avons refait le blog avec une autre base', 'fr', 'database.delete'],
    ] as const) {
      expect(offered(text, lang), text).toEqual([op]);
    }
    // After a change of mind, a removal's thing is never read from the words taken back: which one is asked.
    for (const text of [
      'Renew the certificate of boutique.fr. Actually no, delete the site',
      'Supprimez la base boutique_wp. Ah non, je voulais dire supprimez le site',
    ])
      expect(read(text, text.startsWith('Renew') ? 'en' : 'fr'), text).toMatchObject({
        status: 'question',
        question: { field: 'site' },
      });
    // "Can go live", « peut partir en production »: nothing let go of.
    expect(removals('Can the blog go live with its new theme tomorrow?', 'en')).toEqual([]);
  });
});
