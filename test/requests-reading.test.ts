// Kinds of failure a third blind table showed (issue 20, round 3), generalised with phrasings
// of our own: a name given in any naming form is not asked again, a database for a site is
// asked its name (never named silently after the site), a repair of the DNS is a repair and
// not a check, a lost password is about the password whatever account it opens, a break-in
// is the topic whoever is asked for, a site beside a database is both, and an impatient
// client is asked which site in one click rather than handed over. The engine alone, no daemon.
import { describe, expect, it } from 'vitest';
import { requestClassifier } from '../src/requests/classifier.js';
import { understand, type ClientThings } from '../src/requests/understand.js';

const client: ClientThings = {
  sites: ['boutique.fr', 'blog.exemple.fr'],
  domains: ['boutique.fr', 'exemple.fr'],
  webservers: ['main'],
  databaseServers: ['maria', 'pg'],
  databaseEngines: { maria: 'mariadb', pg: 'postgres' },
  databases: [
    { name: 'boutique_wp', server: 'maria' },
    { name: 'clients', server: 'pg' },
  ],
};
const read = (text: string, language: 'en' | 'fr' = 'en') =>
  understand(requestClassifier(), text, client, { language });

describe('reading what the client said', () => {
  it('a database name given in any naming form is the name, not asked again', () => {
    for (const [text, name, server] of [
      ['Nouvelle base de données : inventaire', 'inventaire', 'maria'],
      ['créez-moi la base inventaire', 'inventaire', 'maria'],
      ['Il me faudrait une base MySQL, que nous appellerons facturation.', 'facturation', 'maria'],
      ['A postgres database please, we will call it metrics', 'metrics', 'pg'],
      ['une base de données stock2025 svp', 'stock2025', 'maria'],
    ] as const)
      expect(read(text, /[éèà]|base|une/.test(text) ? 'fr' : 'en'), text).toMatchObject({
        status: 'proposal',
        proposal: { playbook: 'database.create', inputs: { name, server } },
      });
  });

  it('a database for a site is asked its name, the site offered as a choice', () => {
    for (const text of ['I need a new MariaDB database for the shop, thanks', 'une base pour le blog svp']) {
      const u = read(text);
      expect(u.status, text).toBe('question');
      expect(u.question?.field).toBe('name');
      expect(u.question?.choices.map((c) => c.label)).toContain(text.includes('shop') ? 'boutique' : 'blog');
    }
  });

  it('a repair of the DNS asked with its symptom is a repair; a look at it is a check', () => {
    for (const [text, lang] of [
      ['Could you sort out the DNS for boutique.fr? Visitors can’t find the site.', 'en'],
      ['my site boutique.fr is down, can you fix the DNS?', 'en'],
      ['le blog ne répond plus, corrigez les DNS s’il vous plaît', 'fr'],
    ] as const)
      expect(read(text, lang).intents, text).toEqual(['dns.fix']);
    expect(read('can you check the DNS of boutique.fr, the site is unreachable').intent).toBe('diagnose');
  });

  it('topics: a lost password of an account is the password, a break-in is the break-in', () => {
    for (const text of ['lost the password of my customer area', 'mot de passe oublié pour mon espace client'])
      expect(read(text).topic, text).toBe('password');
    for (const text of [
      'someone hacked my shop, I want to speak to a person',
      'on a piraté le blog, passez-moi quelqu’un',
    ])
      expect(read(text).topic, text).toBe('hacked');
  });

  it('a site beside a database is both, whatever joins them', () => {
    for (const text of [
      'Can I get a site plus a MySQL database on news.exemple.fr?',
      'site + bdd pour news.exemple.fr',
    ])
      expect(read(text).intents, text).toEqual(['vhost.create', 'database.create']);
  });

  it('all my sites are all of them; a symptom is no creation; whether the site is secure is a check', () => {
    for (const text of ['padlock on all my websites please', 'le https sur tous mes sites svp'])
      expect(read(text).proposal?.inputs, text).toEqual({ domains: ['boutique.fr', 'blog.exemple.fr'] });
    for (const text of [
      'my wordpress site shows a database connection error',
      'ma base wordpress est en panne depuis ce matin',
    ])
      expect(read(text).intents, text).toEqual(['diagnose']);
    expect(read('is the blog secure?').intents).toEqual(['diagnose']);
    expect(read('Is it possible to get a padlock on the blog?').intents).toEqual(['certificate.issue']);
  });

  it('an impatient client is asked which site in one click; one who says it is not the first time gets a person', () => {
    expect(read('I want a padlock on my site NOW!!!')).toMatchObject({ status: 'question', frustrated: true });
    expect(read('still no padlock on my site, third time I ask!!!').status).toBe('handoff');
  });
});
