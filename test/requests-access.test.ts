// Kinds the newer blind tables' writers were asked for (issue 20, round 4), with phrasings
// of our own (none is a line of a table): file access to a site the client has and a new
// password for it, a complete site for an application, a quoted earlier message, a change
// of mind, a list of two requests, errors pasted from a browser, a removal asked by its
// noun, a name said aloud and a name put between quotes. The engine alone, no daemon.
import { describe, expect, it } from 'vitest';
import { readForTableClient as read } from './helpers/table-client.js';
const proposes = (text: string, playbook: string, inputs: Record<string, unknown>) =>
  expect(read(text, /[éèàç]|\b(une?|le|la|les|pour|sur)\b/.test(text) ? 'fr' : 'en'), text).toMatchObject({
    status: 'proposal',
    proposal: { playbook, inputs },
  });

describe('the newer operations and the ways clients write', () => {
  it('file access on a site the client has is an SFTP account, a lost one a new password; no file access word, no SFTP', () => {
    for (const text of [
      'our photographer has to put pictures on the shop, could you give him sftp credentials',
      'il faudrait un ftp sur boutique.fr pour que le graphiste dépose ses maquettes',
      'FTP ON BOUTIQUE.FR ASAP',
    ])
      proposes(text, 'sftp.create', { domain: 'boutique.fr' });
    for (const text of [
      'codes ftp égarés pour le blog, vous pouvez en générer de nouveaux ?',
      'winscp keeps refusing my password on blog.exemple.fr, I need a new sftp password',
    ])
      proposes(text, 'sftp.reset', { domain: 'blog.exemple.fr' });
    const db = read('please reset the password of the boutique_wp database');
    expect(db.intents).not.toContain('sftp.reset');
    expect(db).toMatchObject({ status: 'handoff', topic: 'password' });
  });

  it('an application on a new site is the whole environment; FTP for a new site, or a site with no database, is the site', () => {
    proposes('could you get drupal running on asso.exemple.fr, with the database and all', 'site.environment', {
      domain: 'asso.exemple.fr',
    });
    proposes('mettez-moi un wordpress sur voyage.exemple.fr svp', 'site.environment', { domain: 'voyage.exemple.fr' });
    proposes('an ftp for my new site docs.exemple.fr', 'vhost.create', { domain: 'docs.exemple.fr' });
    proposes('un site tout simple pour cv.exemple.fr, pas besoin de base', 'vhost.create', { domain: 'cv.exemple.fr' });
  });

  it('a reply names things in its own words, and the quoted message says which thing "it" is', () => {
    proposes(
      '> On May 3, Support wrote:\n> Which name would you like for the new database?\n\nName it invoices, on MySQL. Thanks',
      'database.create',
      { name: 'invoices', server: 'maria' },
    );
    proposes(
      '> Le 3 mai, Support a écrit :\n> Le certificat de blog.exemple.fr expire dans 5 jours.\n\nParfait, renouvelez-le svp',
      'certificate.renew',
      { site: 'blog.exemple.fr' },
    );
  });

  it('what follows a change of mind is the request, and each item of a list is one', () => {
    proposes('please delete the blog... no wait, just put https on it', 'certificate.issue', {
      domains: ['blog.exemple.fr'],
    });
    // A removal taken back is never proposed.
    for (const text of [
      'Please delete the shop. Oh wait, no, sorry, I meant only renew its certificate.',
      'Supprimez la boutique. Ah non pardon, je voulais dire : renouvelez juste son certificat.',
    ])
      expect(read(text, text.startsWith('S') ? 'fr' : 'en'), text).toMatchObject({
        intents: ['certificate.renew'],
        proposal: { playbook: 'certificate.renew', inputs: { site: 'boutique.fr' } },
      });
    const two = read(
      'Bonjour, deux choses :\n- effacez la base test_old\n- un nouveau mot de passe sftp pour boutique.fr',
      'fr',
    );
    expect(two.intents).toEqual(['database.delete', 'sftp.reset']);
    expect(two.proposals?.map((p) => p.inputs)).toMatchObject([
      { name: 'test_old', server: 'maria' },
      { domain: 'boutique.fr' },
    ]);
  });

  it('an error pasted from a browser is a site to check; a break-in is for a person', () => {
    for (const [text, site] of [
      ['getting NET::ERR_CERT_AUTHORITY_INVALID on boutique.fr', 'boutique.fr'],
      ['DNS_PROBE_FINISHED_NXDOMAIN sur le blog depuis ce matin', 'blog.exemple.fr'],
      ['visitors see a certificate error on the blog, what is wrong?', 'blog.exemple.fr'],
    ])
      expect(read(text), text).toMatchObject({ status: 'diagnosis', diagnose: { site } });
    expect(read('boutique.fr affiche des pubs de casino, je crois que le site a été piraté', 'fr')).toMatchObject({
      status: 'handoff',
      topic: 'hacked',
    });
  });

  it('closing file access never removes the site: sftp.delete closes the access of the site named', () => {
    for (const [text, domain] of [
      ['please remove the ftp access of the blog, the freelancer is gone', 'blog.exemple.fr'],
      ["supprimez l'accès sftp de boutique.fr svp", 'boutique.fr'],
      ['close the sftp account on boutique.fr', 'boutique.fr'],
    ]) {
      const u = read(text);
      expect(u.intents, text).not.toContain('vhost.delete');
      expect(u, text).toMatchObject({ status: 'proposal', proposal: { playbook: 'sftp.delete', inputs: { domain } } });
    }
  });

  it('a removal asked by its noun is the removal; one told as done, or dropping files on a site, removes nothing', () => {
    const asked = read(
      'Suppression du site blog.exemple.fr demandée par notre direction, merci de faire le nécessaire',
      'fr',
    );
    expect(asked.proposal).toMatchObject({ playbook: 'vhost.delete', inputs: { domain: 'blog.exemple.fr' } });
    expect(asked.proposal?.typeToConfirm?.value).toBe('blog.exemple.fr');
    for (const text of [
      'la suppression du blog a été faite par erreur hier soir, que faire ?',
      'my designer wants to drop his images on the blog, could you open an sftp login for him',
    ])
      expect(read(text).intents, text).not.toContain('vhost.delete');
  });

  it('a name said aloud is a name, and a name between quotes is taken even if it is a common word', () => {
    proposes('un nouveau site promo point exemple point fr merci', 'vhost.create', { domain: 'promo.exemple.fr' });
    proposes('create a database called "please"', 'database.create', { name: 'please', server: 'maria' });
  });
});
