// Families of phrasing the eighth blind table's misses belong to (issue 20, round 7), each written
// here in our own words (none is a line of a table): a removal called off ("never mind the
// deletion", « on annule la suppression »), the removal verbs of IT managers and non-native writers
// (decommission, eliminate, cancel a thing of ours), a removal asked by a pronoun in a later
// sentence ("…the shop. Could you delete it?"), and Québec's « pu » (no longer). The engine alone.
import { describe, expect, it } from 'vitest';
import { readForTableClient as read } from './helpers/table-client.js';
const proposes = (text: string, playbook: string, inputs: Record<string, unknown>, language: 'en' | 'fr' = 'en') =>
  expect(read(text, language), text).toMatchObject({ status: 'proposal', proposal: { playbook, inputs } });
const REMOVALS = ['vhost.delete', 'database.delete', 'sftp.delete'];
const removesNothing = (text: string, language: 'en' | 'fr' = 'en') => {
  const u = read(text, language);
  const asked = [u.intent, ...(u.intents ?? []), ...(u.proposals ?? []).map((p) => p.playbook)];
  for (const i of asked) expect(REMOVALS, text).not.toContain(i);
  return u;
};

describe('kinds of phrasing read as a support agent would (round 7)', () => {
  it('a removal called off is not asked, and the request after it is', () => {
    expect(
      removesNothing(
        'Never mind the deletion from last week, keep everything. Instead please create the site wiki.exemple.fr',
      ),
    ).toMatchObject({
      status: 'proposal',
      proposal: { playbook: 'vhost.create', inputs: { domain: 'wiki.exemple.fr' } },
    });
    expect(
      removesNothing('Finalement on annule la suppression, ajoutez plutôt le site wiki.exemple.fr svp', 'fr'),
    ).toMatchObject({
      status: 'proposal',
      proposal: { playbook: 'vhost.create', inputs: { domain: 'wiki.exemple.fr' } },
    });
    removesNothing('forget about deleting test_old, we still need it');
    removesNothing('oubliez la suppression de test_old, on en a besoin', 'fr');
  });

  it('decommission, eliminate and cancel a site or a database remove it; cancelling an account does not', () => {
    proposes('Kindly decommission the MariaDB database test_old, the project ended.', 'database.delete', {
      name: 'test_old',
    });
    proposes('I would like to eliminate the site boutique.fr, thank you', 'vhost.delete', { domain: 'boutique.fr' });
    proposes('Je voudrais éliminer la base test_old svp', 'database.delete', { name: 'test_old' }, 'fr');
    proposes('please cancel the site blog.exemple.fr, we closed the blog', 'vhost.delete', {
      domain: 'blog.exemple.fr',
    });
    removesNothing('please cancel my account at the end of the month');
    removesNothing('annulez mon abonnement svp', 'fr');
  });

  it('a removal asked by a pronoun in a later sentence removes the thing told before, not the greeting after', () => {
    proposes(
      'We stopped using the shop last year. Could you delete it? Keep the databases. Best, Tom',
      'vhost.delete',
      {
        domain: 'boutique.fr',
      },
    );
    proposes(
      "Notre blogue ne sert plus depuis l'été. Merci de bien vouloir le supprimer. Bien à vous",
      'vhost.delete',
      { domain: 'blog.exemple.fr' },
      'fr',
    );
  });

  it('« pu » after keeping (Québec) keeps it no longer', () => {
    proposes(
      'Vous pouvez effacer le blogue, on le garde pu, merci',
      'vhost.delete',
      { domain: 'blog.exemple.fr' },
      'fr',
    );
    proposes(
      "J'aimerais que vous supprimiez la boutique, on la garde pu. Bonne journée",
      'vhost.delete',
      { domain: 'boutique.fr' },
      'fr',
    );
  });

  it('a relative pronoun or a word of speed never names a database; a conditional naming does', () => {
    proposes(
      "je voudrais une base postgres qui s'appellerait stock",
      'database.create',
      { server: 'pg', name: 'stock' },
      'fr',
    );
    const u = read('créez une base MySQL rapidement svp', 'fr');
    expect(u.status, 'no name given, so asked').toBe('question');
  });

  it('"renovate the certificate" (a non-native renewal) renews it; "pw" is a password', () => {
    proposes('please renovate the ssl of blog.exemple.fr, it ends soon', 'certificate.renew', {
      site: 'blog.exemple.fr',
    });
    proposes('lost the sftp pw of the shop, need a new one', 'sftp.reset', { domain: 'boutique.fr' });
  });

  it('anger at the service with no site of theirs named goes to a person, not "which site?"', () => {
    expect(read('Worst support ever, nobody replies, nothing works!!')).toMatchObject({ status: 'handoff' });
  });

  it('a password reported lost is a request, and « pis » (Québec) starts the next one', () => {
    const u = read("J'ai oublié le mot de passe FTP du blogue. Pis mettez un certificat sur la boutique svp", 'fr');
    expect(u.status).toBe('proposal');
    expect(u.proposals?.map((p) => [p.playbook, p.inputs])).toEqual([
      ['sftp.reset', { domain: 'blog.exemple.fr' }],
      ['certificate.issue', { domains: ['boutique.fr'] }],
    ]);
    proposes('tant pis pour le blog, supprimez-le', 'vhost.delete', { domain: 'blog.exemple.fr' }, 'fr');
  });

  it('a site written as it sounds ("le blogg", "la boutik") is that site', () => {
    expect(read('le blogg est super lent, vous pouvez regarder ?', 'fr')).toMatchObject({
      status: 'diagnosis',
      intent: 'diagnose',
    });
  });

  it('a certificate written as it sounds (« sertificat », "sertificat") is a certificate', () => {
    proposes('hello i need a sertificat for the shop please', 'certificate.issue', { domains: ['boutique.fr'] });
    proposes(
      'bonjour il me faudrait un sertificat pour le blog merci',
      'certificate.issue',
      { domains: ['blog.exemple.fr'] },
      'fr',
    );
  });

  it('the writer introducing themselves ("office manager here", « ici Paul ») is no request and names nothing', () => {
    proposes(
      'Hello, office manager here, our booking tool needs its own database, call it bookings',
      'database.create',
      { name: 'bookings' },
    );
    proposes('Good morning, shop manager here. Please add https to the blog.', 'certificate.issue', {
      domains: ['blog.exemple.fr'],
    });
    expect(read('Bonjour, ici boutique.fr ne marche plus', 'fr')).toMatchObject({ intent: 'diagnose' });
  });

  it('"control the DNS" (a non-native "check"), « contrôler le DNS » is a look at the site named', () => {
    expect(read('i would like to control the dns of boutique.fr')).toMatchObject({ intent: 'diagnose' });
    expect(read('je voudrais contrôler le DNS du blog', 'fr')).toMatchObject({ intent: 'diagnose' });
  });
});
