// Removals nobody asked (issue 20's first rule), found by a review: closing file access said
// negated or about files sent over FTP, "cancel"/« éliminer »/"decommission" of an event or a
// server. The engine alone, no daemon: its rules and model, as the route calls them.
import { describe, expect, it } from 'vitest';
import { requestClassifier } from '../src/requests/classifier.js';
import { removes } from '../src/requests/intents.js';
import { readForTableClient as read } from './helpers/table-client.js';

/** Every operation an answer offers, its question's choices included. */
const offered = (text: string, language: 'en' | 'fr' = 'en') => {
  const u = read(text, language);
  return [...(u.proposals ?? (u.proposal ? [u.proposal] : [])), ...(u.question?.choices ?? []).map((c) => c.proposal)]
    .filter(Boolean)
    .map((p) => p!.playbook);
};
const removals = (text: string, language: 'en' | 'fr' = 'en') =>
  offered(text, language).filter((op) => removes(requestClassifier().corpus.operations, op));

describe('file access is closed only when asked', () => {
  it('a closing negated closes nothing', () => {
    for (const t of [
      'please never revoke the sftp login of boutique.fr',
      'do not cut the ftp access of blog.exemple.fr, our designer uses it',
      "we don't want the sftp account on boutique.fr disabled",
    ])
      expect(removals(t), t).toEqual([]);
    for (const t of ['surtout ne fermez pas le compte sftp de boutique.fr', 'ne désactivez pas l’accès ftp du blog'])
      expect(removals(t, 'fr'), t).toEqual([]);
  });
  it('removing files over FTP is no closing of the access', () => {
    for (const t of [
      'I am unable to remove old images through FTP on boutique.fr',
      'how can I erase a folder using sftp on blog.exemple.fr?',
      'deleting files with filezilla on boutique.fr fails',
    ])
      expect(removals(t), t).toEqual([]);
    for (const t of ['comment effacer des fichiers par ftp sur boutique.fr ?', 'je veux supprimer des photos du sftp'])
      expect(removals(t, 'fr'), t).toEqual([]);
  });
  it('a closing asked still closes the access', () => {
    expect(offered('please close the sftp access of boutique.fr')).toContain('sftp.delete');
    expect(offered('fermez l’accès ftp de boutique.fr', 'fr')).toContain('sftp.delete');
  });
});

describe('"cancel", « éliminer » and "decommission" remove only a site or a database', () => {
  it('an order, an upgrade, a migration or a job cancelled removes nothing', () => {
    for (const t of [
      'please cancel the site boutique.fr renewal order, we keep it',
      'cancel the website migration of blog.exemple.fr please',
      'cancel the database import for test_old, I will do it myself',
      'can you cancel the database restore request on clients?',
    ])
      expect(removals(t), t).toEqual([]);
    for (const t of [
      'annulez la commande du site boutique.fr, on garde le site',
      'annulez la migration de la base clients',
      'annulez le site blog.exemple.fr du transfert prévu',
    ])
      expect(removals(t, 'fr'), t).toEqual([]);
  });
  it('errors, bugs or a server eliminated or decommissioned remove nothing of the client', () => {
    for (const t of [
      'we must eliminate the 404 errors on boutique.fr',
      'we are decommissioning our old servers, please move blog.exemple.fr to the new one',
      'decommission the old VPS and host boutique.fr on your side',
    ])
      expect(removals(t), t).toEqual([]);
    for (const t of [
      'il faut éliminer les bugs du site boutique.fr',
      'comment éliminer les erreurs 502 de blog.exemple.fr ?',
    ])
      expect(removals(t, 'fr'), t).toEqual([]);
  });
  it('a site or a database cancelled, eliminated or decommissioned is still removed', () => {
    expect(offered('please cancel the database test_old')).toContain('database.delete');
    expect(offered('annulez la base test_old', 'fr')).toContain('database.delete');
    expect(offered('éliminez la base test_old', 'fr')).toContain('database.delete');
    expect(offered('please decommission the site boutique.fr')).toContain('vhost.delete');
  });
});

describe('a removal targets only a site the text names exactly', () => {
  const proposed = (text: string, language: 'en' | 'fr' = 'en') => read(text, language).proposal;
  it('a name that is not quite one of the sites asks which, never removes another', () => {
    for (const [t, l] of [
      ['please delete shop.exemple.fr', 'en'],
      ['remove the site blogs.exemple.fr for good', 'en'],
      ['supprimez le site boutiques.fr', 'fr'],
      ['retirez news.exemple.fr de l’hébergement', 'fr'],
    ] as const)
      expect(proposed(t, l)?.playbook, t).toBeUndefined();
  });
  it('a site written exactly, or its name mistyped by a letter, is still removed', () => {
    expect(proposed('delete the site boutque.fr')?.inputs).toEqual({ domain: 'boutique.fr' });
    expect(proposed('please delete the site boutique.fr')?.inputs).toEqual({ domain: 'boutique.fr' });
    expect(proposed('supprimez le site www.blog.exemple.fr', 'fr')?.inputs).toEqual({ domain: 'blog.exemple.fr' });
  });
});

describe('a removal called off is none', () => {
  it('a request to remove, cancelled or withdrawn, removes nothing', () => {
    for (const t of [
      'please cancel my request to delete the database test_old',
      'I withdraw my request to remove blog.exemple.fr',
      'forget my earlier request to drop clients',
    ])
      expect(removals(t), t).toEqual([]);
    for (const t of [
      'annulez ma demande de suppression de la base test_old',
      'oubliez ma demande de supprimer boutique.fr',
    ])
      expect(removals(t, 'fr'), t).toEqual([]);
  });
  it('a removal asked after a request called off is still asked', () => {
    expect(offered('cancel my ticket about the certificate, and delete the database test_old')).toContain(
      'database.delete',
    );
  });
});

describe('a make refused beside a removal is none', () => {
  it('only the removal is proposed', () => {
    for (const [t, l] of [
      ['drop the database clients, we will not need a new database', 'en'],
      ['please delete test_old; no need for another database', 'en'],
      ['delete the site blog.exemple.fr, we do not need a new site', 'en'],
      ['supprimez la base clients, pas besoin d’une nouvelle base', 'fr'],
      ['supprimez la base test_old, on n’a pas besoin de nouvelle base', 'fr'],
    ] as const)
      expect(
        offered(t, l).filter((op) => op.endsWith('.create')),
        t,
      ).toEqual([]);
  });
});

describe('a password removed is no removal of a site', () => {
  it('removing an old password proposes no removal', () => {
    for (const t of [
      'I forgot my FTP password for boutique.fr, please remove the old one',
      'lost the sftp password of blog.exemple.fr, delete the old password and send a new one',
    ])
      expect(removals(t), t).toEqual([]);
    for (const t of ['j’ai perdu mon mot de passe ftp de boutique.fr, supprimez l’ancien'])
      expect(removals(t, 'fr'), t).toEqual([]);
  });
});

describe('a pronoun stands for the thing, not for where it is', () => {
  it('a user, a file or an image in a database or on a site removes neither', () => {
    for (const t of [
      'There is a fake account in the database clients. Could you remove it please?',
      'I put an old pdf document on boutique.fr by mistake, can you delete it?',
      'someone posted a spam comment on blog.exemple.fr, please get rid of it',
    ])
      expect(removals(t), t).toEqual([]);
    for (const t of [
      'Il y a un utilisateur en trop dans la base test_old, pouvez-vous le supprimer ?',
      "j'ai mis une mauvaise photo sur boutique.fr, vous pouvez l'enlever ?",
    ])
      expect(removals(t, 'fr'), t).toEqual([]);
  });
  it('the site or the database itself named before its pronoun is still removed', () => {
    expect(offered('The blog is of no use any more. Can you delete it?')).toContain('vhost.delete');
    expect(offered('Nous n’utilisons plus la base test_old, merci de la supprimer.', 'fr')).toContain(
      'database.delete',
    );
  });
});

describe('file access kept or used to remove files asks for no account', () => {
  const answer = (text: string, language: 'en' | 'fr' = 'en') => read(text, language);
  it('a closing refused or files removed through FTP goes to a person', () => {
    for (const [t, language] of [
      ['please never disable the sftp login of boutique.fr, our designer needs it', 'en'],
      ['I am unable to erase old pictures over sftp on blog.exemple.fr', 'en'],
      ['surtout ne fermez pas l’accès ftp de la boutique', 'fr'],
      ['je n’arrive pas à supprimer des fichiers par ftp sur le blog', 'fr'],
    ] as const)
      expect(answer(t, language), t).toMatchObject({ status: 'handoff' });
  });
  it('file access asked beside a removal refused is still the account', () => {
    expect(answer("don't remove anything, just an FTP login for boutique.fr please")).toMatchObject({
      status: 'proposal',
      proposal: { playbook: 'sftp.create', inputs: { domain: 'boutique.fr' } },
    });
  });
});
