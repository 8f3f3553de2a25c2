// A site asked on a domain the client does not have yet (issue 20, round 3): serein cannot
// create it (a tenant's sites are on its own domains), and "which domain?" would ignore what
// the client said. It is handed to a person with the topic `account`, the domain named in
// the client's language, the operation asked carried for the admin to run once the domain is
// added. The engine alone, no daemon (test/requests.test.ts follows it to the escalation).
import { describe, expect, it } from 'vitest';
import { requestClassifier } from '../src/requests/classifier.js';
import { understand, type ClientThings } from '../src/requests/understand.js';

const client: ClientThings = {
  sites: ['boutique.fr', 'blog.exemple.fr'],
  domains: ['boutique.fr', 'exemple.fr'],
  webservers: ['main'],
  databaseServers: ['maria'],
  databaseEngines: { maria: 'mariadb' },
  databases: [{ name: 'boutique_wp', server: 'maria' }],
};
const read = (text: string, language: 'en' | 'fr') => understand(requestClassifier(), text, client, { language });

describe('a new site on a domain not on the account', () => {
  it('is a person with the topic account, the domain named, the operation asked carried', () => {
    for (const [text, lang, op, domain] of [
      ['Hello, could you host a new website for lamaisonbleue.com? Thanks', 'en', 'vhost.create', 'lamaisonbleue.com'],
      ['Nouveau site svp : atelier-poterie.org', 'fr', 'vhost.create', 'atelier-poterie.org'],
      [
        'I would like a complete WordPress site with its database for runners-club.net',
        'en',
        'site.environment',
        'runners-club.net',
      ],
    ] as const) {
      const u = read(text, lang);
      expect(u, text).toMatchObject({ status: 'handoff', topic: 'account', intents: [op] });
      expect(u.proposal, text).toMatchObject({ playbook: op, inputs: { domain } });
      expect(u.sentence.startsWith(domain), u.sentence).toBe(true);
      expect(u.sentence).toMatch(lang === 'fr' ? /pas encore sur votre compte/ : /not on your account yet/);
    }
  });

  it('a new name under a domain the client has is still a proposal, and a site with no name still asks which domain', () => {
    expect(read('create shop.exemple.fr please', 'en')).toMatchObject({
      status: 'proposal',
      proposal: { playbook: 'vhost.create', inputs: { domain: 'shop.exemple.fr' } },
    });
    expect(read('je voudrais un nouveau site', 'fr').question?.field).toBe('domain');
  });
});
