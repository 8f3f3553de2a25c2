// Families of phrasing the seventh blind table's misses belong to (issue 20, round 6), each
// written here in our own words (none is a line of a table): jargon a client quotes, a site
// of theirs mistyped, a new site refused, a second request after « il faudrait », a look at
// the DNS, a site that won't open, a site taken off the hosting, a ticket's form fields, a
// database refused, a question about what we host, and closing file access. The engine alone.
import { describe, expect, it } from 'vitest';
import { readForTableClient as read } from './helpers/table-client.js';
const proposes = (text: string, playbook: string, inputs: Record<string, unknown>, language: 'en' | 'fr' = 'en') =>
  expect(read(text, language), text).toMatchObject({ status: 'proposal', proposal: { playbook, inputs } });
const removesNothing = (text: string) => {
  const u = read(text);
  for (const p of u.proposals ?? (u.proposal ? [u.proposal] : []))
    expect(['vhost.delete', 'database.delete', 'sftp.delete'], text).not.toContain(p.playbook);
  return u;
};

describe('kinds of phrasing read as a support agent would', () => {
  it("jargon between quotes is the thing asked, not a name: an 'SSL', a « certificate »", () => {
    proposes("our web designer says the shop needs an 'SSL', can you do that for us?", 'certificate.issue', {
      domains: ['boutique.fr'],
    });
    proposes("my nephew says boutique.fr needs a 'certificate'. Can you sort that out for us?", 'certificate.issue', {
      domains: ['boutique.fr'],
    });
  });

  it('a site of the client mistyped is theirs, not a new site; a longer name is a new one', () => {
    proposes('could I have an sftp login for blg.exemple.fr please', 'sftp.create', { domain: 'blog.exemple.fr' });
    proposes('un identifiant ftp pour boutik.fr svp', 'sftp.create', { domain: 'boutique.fr' }, 'fr');
    proposes('Create the site blog2.exemple.fr please', 'vhost.create', { domain: 'blog2.exemple.fr' });
  });

  it('a new site refused is not made: "not a new site, just an sftp account"', () => {
    proposes(
      'I only want to upload files to the shop with an sftp account. No new site, only the access.',
      'sftp.create',
      {
        domain: 'boutique.fr',
      },
    );
    proposes(
      "Il me faudrait un compte sftp sur la boutique. Je ne veux pas de nouveau site, seulement l'accès.",
      'sftp.create',
      { domain: 'boutique.fr' },
      'fr',
    );
  });

  it('a second request after « il faudrait » or « me donner » is read too, in order', () => {
    const u = read(
      'Supprimez le site blog.exemple.fr svp. Et de plus il faudrait un certificat SSL sur la boutique.',
      'fr',
    );
    expect(u.intents).toEqual(['vhost.delete', 'certificate.issue']);
    const v = read(
      'Réparez les DNS du blog, puis pourriez-vous me donner un nouveau mot de passe FTP pour ce site ?',
      'fr',
    );
    expect(v.intents).toEqual(['dns.fix', 'sftp.reset']);
  });

  it('the storage or a domain moved to another account is a person, never a site made', () => {
    expect(read("il n'y a plus de place sur l'hébergement, pouvez-vous monter le quota ?", 'fr')).toMatchObject({
      status: 'handoff',
      topic: 'storage',
    });
    expect(read('We want to move exemple.fr to the customer account of our new agency, how?')).toMatchObject({
      status: 'handoff',
      topic: 'account',
    });
  });

  it('a look at the DNS runs the checks; a repair asked is the repair', () => {
    expect(read('could you check the DNS of boutique.fr? I feel like it points to the wrong server')).toMatchObject({
      status: 'diagnosis',
      diagnose: { site: 'boutique.fr' },
    });
    proposes('please fix the DNS of boutique.fr', 'dns.fix', { domain: 'boutique.fr' });
  });

  it("a site that won't open, en rade or unavailable is checked, never opened as a new one", () => {
    for (const [text, site] of [
      ["boutique.fr won't open on my laptop, no idea if it's the domain or the server", 'boutique.fr'],
      ['la boutique est en rade depuis ce matin', 'boutique.fr'],
      ["the blog shows 'Service Unavailable' after the plugin update, I didn't delete anything", 'blog.exemple.fr'],
    ])
      expect(read(text, /la |le /.test(text) ? 'fr' : 'en'), text).toMatchObject({
        status: 'diagnosis',
        diagnose: { site },
      });
  });

  it('a site taken off the hosting is its removal; a page taken off a site removes nothing', () => {
    proposes('we closed the bakery, please take blog.exemple.fr off your servers', 'vhost.delete', {
      domain: 'blog.exemple.fr',
    });
    proposes("I'd like to take https://boutique.fr/ off the hosting, I kept a copy", 'vhost.delete', {
      domain: 'boutique.fr',
    });
    removesNothing('please take the christmas banner off the shop');
    removesNothing("I can't log in to ftp on the shop, delete and recreate my password");
  });

  it('a site said to have its certificate already is left out of the certificates asked', () => {
    proposes('boutique.fr already has https, the blog still not, please add it there', 'certificate.issue', {
      domains: ['blog.exemple.fr'],
    });
  });

  it("a ticket's Category line, a database refused, a second database's engine, a question about what we host", () => {
    expect(read('Category: SSL\nSorry, wrong category: please delete the site blog.exemple.fr.').intents).toEqual([
      'vhost.delete',
    ]);
    proposes('please create the site news.exemple.fr. We need no database for it.', 'vhost.create', {
      domain: 'news.exemple.fr',
    });
    const pg = read('1) drop the database clients on postgres\n2) then create a new MySQL database named crm2');
    expect(pg.intents).toEqual(['database.delete', 'database.create']);
    expect(pg.proposals?.[0]?.inputs).toMatchObject({ server: 'pg', name: 'clients' });
    expect(pg.proposals?.[1]?.inputs).toMatchObject({ server: 'maria', name: 'crm2' });
    expect(read('Do you also host game servers, like Minecraft?')).toMatchObject({ status: 'handoff' });
  });

  it('a certificate for a domain not on the account goes to a person who adds it, the certificate carried', () => {
    for (const [text, domain] of [
      [
        'please secure our second domain candles-shop.com with https, we bought it at another registrar',
        'candles-shop.com',
      ],
      ['un certificat SSL pour notre autre domaine atelier-bois.be svp', 'atelier-bois.be'],
    ])
      expect(read(text, text.includes('svp') ? 'fr' : 'en'), text).toMatchObject({
        status: 'handoff',
        topic: 'account',
        proposal: { playbook: 'certificate.issue', inputs: { domains: [domain] } },
      });
  });

  it('a new site with the padlock on it once made is both, in order; a padlock refused is not asked', () => {
    const u = read(
      "We'd like a new site events.exemple.fr, and the padlock on it as soon as it exists. Thanks, the Studio",
    );
    expect(u.intents).toEqual(['vhost.create', 'certificate.issue']);
    expect(u.proposals?.[1]?.inputs).toMatchObject({ domains: ['events.exemple.fr'] });
    expect(read("un nouveau site vitrine.exemple.fr, sans https pour l'instant", 'fr').intents).toEqual([
      'vhost.create',
    ]);
  });

  it('closing file access by words proposes sftp.delete for the site named, never the site removed', () => {
    for (const [text, domain] of [
      ['revoke the sftp login of boutique.fr, the agency is gone', 'boutique.fr'],
      ["coupez l'accès ftp du blog svp", 'blog.exemple.fr'],
    ]) {
      const u = read(text, text.includes('svp') ? 'fr' : 'en');
      expect(u.intents, text).not.toContain('vhost.delete');
      expect(u, text).toMatchObject({ status: 'proposal', proposal: { playbook: 'sftp.delete', inputs: { domain } } });
    }
  });
});
