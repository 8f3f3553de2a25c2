/**
 * Words that look like a removal and are not: « jeter un œil » is to take a look, and what
 * the client says they already did (« nous avons retiré… ») tells a story. Both once made
 * a site's removal at 0.99 confidence in a blind table (found at the end of a session).
 */
import { describe, expect, it } from 'vitest';
import { requestClassifier } from '../src/requests/classifier.js';
import { removes } from '../src/requests/intents.js';
import { understand, type ClientThings } from '../src/requests/understand.js';

const client: ClientThings = {
  sites: ['boutique.fr', 'blog.exemple.fr'],
  domains: ['boutique.fr', 'exemple.fr'],
  webservers: ['main'],
  databaseServers: ['maria'],
  databaseEngines: { maria: 'mariadb' },
  databases: [{ name: 'boutique_wp', server: 'maria', full: 't1_boutique_wp' }],
};
const proposals = (text: string) => {
  const u = understand(requestClassifier(), text, client, { language: 'fr' });
  return [...(u.proposals ?? (u.proposal ? [u.proposal] : [])), ...(u.question?.choices ?? []).map((c) => c.proposal)]
    .filter(Boolean)
    .map((p) => p!);
};
const removed = (text: string) =>
  proposals(text)
    .filter((p) => removes(requestClassifier().corpus.operations, p.playbook))
    .map((p) => `${p.playbook} ${JSON.stringify(p.inputs)}`);

describe('words that only look like a removal', () => {
  it.each([
    'vous pouvez jeter un œil à blog.exemple.fr ? il est super lent depuis ce matin',
    'tu peux jeter un oeil sur la boutique, les pages mettent une plombe à charger',
    "pourriez-vous jeter un coup d'œil au blog, il affiche une erreur 500",
    'jetez un oeil à boutique.fr svp, plus rien ne s’affiche',
  ])('« %s » proposes no removal', (text) => {
    expect(removed(text)).toEqual([]);
  });

  it.each([
    ["nous avons retiré l'ancien thème de la boutique, vous pouvez effacer la base boutique_wp", 'boutique_wp'],
    ["j'ai supprimé les vieux articles du blog, la base boutique_wp peut partir à la poubelle", 'boutique_wp'],
    ['ils ont enlevé le module de paiement de boutique.fr, merci de supprimer la base boutique_wp', 'boutique_wp'],
  ])('« %s » removes only the database it asks for', (text, name) => {
    const all = removed(text);
    expect(all.every((p) => p.startsWith('database.delete'))).toBe(true);
    expect(all.join()).toContain(name);
  });

  it('what the client already did is no request at all when nothing else is asked', () => {
    expect(removed('nous avons retiré WordPress du blog la semaine dernière, tout va bien')).toEqual([]);
  });
});
