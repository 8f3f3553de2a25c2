// The engine reading words nobody here wrote for it (issue 20): slang removal verbs and
// what they remove, protected things set aside, bare error codes, names misspelt or
// written as they sound, each request of a message with its own name, a story told
// before the request, and the generated corpus kept away from the evaluation tables.
// The engine alone, no daemon: its rules and model, as the route calls them.
import { describe, expect, it } from 'vitest';
import { requestClassifier } from '../src/requests/classifier.js';
import { generatedDocs, nearTableLine, shape, tableLines } from '../src/requests/generator/index.js';
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
  certificates: { 'boutique.fr': '0c6f2a4e-1b7d-4c3a-9e51-6d2f8a9b0c11' },
};
const read = (text: string, language: 'en' | 'fr' = 'en') =>
  understand(requestClassifier(), text, client, { language });
const offered = (text: string, language: 'en' | 'fr' = 'en') => {
  const u = read(text, language);
  return [...(u.proposals ?? (u.proposal ? [u.proposal] : [])), ...(u.question?.choices ?? []).map((c) => c.proposal)]
    .filter(Boolean)
    .map((p) => p!.playbook);
};

describe('words nobody here wrote for the engine', () => {
  it('slang removal verbs remove the thing named after them, a page or a warning is no site, and a removal is typed to confirm', () => {
    expect(read('yo can u zap the blog, dont want it anymore').proposal).toMatchObject({
      playbook: 'vhost.delete',
      inputs: { domain: 'blog.exemple.fr' },
      typeToConfirm: { value: 'blog.exemple.fr', input: 'confirm' },
    });
    expect(read('plz nuke test_old db').proposal).toMatchObject({
      playbook: 'database.delete',
      inputs: { server: 'maria', name: 'test_old' },
      typeToConfirm: { value: 't1_test_old', input: 'confirm' },
    });
    expect(read('get rid of boutique_wp thx').proposal?.inputs).toEqual({ server: 'maria', name: 'boutique_wp' });
    expect(read('efface le blog, on a tout arrêté', 'fr').proposal?.playbook).toBe('vhost.delete');
    expect(read('please take blog.exemple.fr down for good').proposal?.inputs).toEqual({ domain: 'blog.exemple.fr' });
    for (const text of [
      'remove the warning on my shop',
      'supprimez le message d’erreur sur le blog',
      'delete all the spam in my mailbox',
    ])
      expect(offered(text), text).not.toContain('vhost.delete');
  });

  it('what the client protects is set aside: the removal asked is of the other thing, or the rest of the message is read', () => {
    for (const [text, lang] of [
      ['leave clients alone, but you can wipe test_old', 'en'],
      ['laissez la base clients tranquille, par contre effacez test_old', 'fr'],
    ] as const)
      expect(read(text, lang).proposal, text).toMatchObject({
        playbook: 'database.delete',
        inputs: { server: 'maria', name: 'test_old' },
      });
    const u = read('ne supprimez pas la base clients, je veux une nouvelle base nommee stats', 'fr');
    expect(u.intents).toEqual(['database.create']);
    expect(u.proposal?.inputs).toEqual({ server: 'maria', name: 'stats' });
  });

  it('a bare error code, a site HS or a DNS question is a site to check, a domain that is not a site included', () => {
    expect(read('erreur 503 sur le blog', 'fr')).toMatchObject({
      status: 'diagnosis',
      diagnose: { site: 'blog.exemple.fr' },
    });
    expect(read('getting 502s on boutique.fr since noon')).toMatchObject({
      status: 'diagnosis',
      diagnose: { site: 'boutique.fr' },
    });
    expect(read('is the dns of exemple.fr ok? can you check it')).toMatchObject({
      status: 'diagnosis',
      diagnose: { site: 'exemple.fr' },
    });
  });

  it("names written with a typo, as they sound or as a web address are the client's own", () => {
    expect(read('renew the cert of botique.fr').proposal?.inputs).toMatchObject({ site: 'boutique.fr' });
    expect(read('mettez le https sur boutik.fr svp', 'fr').proposal?.inputs).toEqual({ domains: ['boutique.fr'] });
    expect(read('supprimer le site boutik.fr', 'fr').proposal?.inputs).toEqual({ domain: 'boutique.fr' });
    expect(read('ssl for https://www.blog.exemple.fr/contact please').proposal?.inputs).toEqual({
      domains: ['blog.exemple.fr'],
    });
  });

  it('each request of a message gets the name written in its own piece, a removal verb said once removes both, two things removed are two removals', () => {
    const order = read('fix the dns of exemple.fr, then renew the ssl of boutique.fr');
    expect(order.intents).toEqual(['dns.fix', 'certificate.renew']);
    expect(order.proposals?.map((p) => p.inputs)).toEqual([
      { domain: 'exemple.fr' },
      { site: 'boutique.fr', certificate: '0c6f2a4e-1b7d-4c3a-9e51-6d2f8a9b0c11' },
    ]);
    const two = read('please remove test_old and clients');
    expect(two.intents).toEqual(['database.delete', 'database.delete']);
    expect(two.proposals?.map((p) => p.inputs)).toEqual([
      { server: 'maria', name: 'test_old' },
      { server: 'pg', name: 'clients' },
    ]);
    const both = read('supprimez blog.exemple.fr et puis la base boutique_wp', 'fr');
    expect(both.intents).toEqual(['vhost.delete', 'database.delete']);
    expect(both.proposals?.map((p) => p.inputs)).toEqual([
      { domain: 'blog.exemple.fr' },
      { server: 'maria', name: 'boutique_wp' },
    ]);
  });

  it('a story told before the request adds no operation of its own', () => {
    const u = read(
      "Bonjour, j'ai créé plein de sites et de bases au fil des années pour des essais, tout marche bien. Pourriez-vous effacer test_old ? Merci, Luc",
      'fr',
    );
    expect(u.intents).toEqual(['database.delete']);
    expect(u.proposal?.inputs).toEqual({ server: 'maria', name: 'test_old' });
  });

  it('anger without an operation goes to a person, and a word that is a verb never names a database', () => {
    expect(read('honestly the worst hosting company I have ever had').status).toBe('handoff');
    const u = read('create database');
    expect(u.status).toBe('question');
    expect(u.question?.field).toBe('name');
  });

  it('a removal refused for one thing and kept "only" for another removes that other thing, and "only" before a verb removes nothing', () => {
    for (const [text, lang] of [
      ["Please don't remove the blog, only its old database test_old.", 'en'],
      ['Ne supprimez surtout pas boutique.fr, uniquement la base test_old', 'fr'],
    ] as const)
      expect(read(text, lang).proposal, text).toMatchObject({
        playbook: 'database.delete',
        inputs: { server: 'maria', name: 'test_old' },
      });
    for (const [text, lang] of [
      ["Don't delete anything, only check the database test_old", 'en'],
      ['ne supprimez rien, juste vérifier la base clients', 'fr'],
    ] as const)
      expect(
        offered(text, lang).filter((p) => p.endsWith('.delete')),
        text,
      ).toEqual([]);
  });

  it('a word saying how the database comes ("its own", "included", « prête ») never names it: a site with its database for an application is the environment', () => {
    for (const [text, lang] of [
      ['Drupal site for club.exemple.fr, database included', 'en'],
      ['il faut un Drupal sur club.exemple.fr avec une base prête', 'fr'],
    ] as const)
      expect(read(text, lang).proposal, text).toMatchObject({
        playbook: 'site.environment',
        inputs: { domain: 'club.exemple.fr' },
      });
    for (const [text, lang] of [
      ['a database quick please', 'en'],
      ['une base simple svp', 'fr'],
    ] as const)
      expect(read(text, lang).question?.field, text).toBe('name');
  });

  it('a thing said no longer needed, then "you can take it down", is removed; an application such as Ghost makes the environment', () => {
    expect(read('We no longer need the blog. You can take it down please').proposal).toMatchObject({
      playbook: 'vhost.delete',
      inputs: { domain: 'blog.exemple.fr' },
    });
    expect(read('a site for Ghost on notes.exemple.fr with its database').proposal).toMatchObject({
      playbook: 'site.environment',
      inputs: { domain: 'notes.exemple.fr' },
    });
  });

  it('an application "with its database" and no site named asks which site for the environment; a database for an application stays a database', () => {
    for (const [text, lang] of [
      ["un Joomla prêt à l'emploi avec sa base svp", 'fr'],
      ['could I get a Drupal with its own db?', 'en'],
    ] as const) {
      const u = read(text, lang);
      expect(u.intents, text).toEqual(['site.environment']);
      expect(u.question?.field, text).toBe('domain');
    }
    expect(read('une base pour wordpress svp', 'fr').proposal).toMatchObject({
      playbook: 'database.create',
      inputs: { name: 'wordpress' },
    });
  });

  it('the generated corpus has every operation in both languages, none of its lines near an evaluation line', () => {
    const docs = generatedDocs(['certificate.issue', 'vhost.delete', 'database.delete', 'diagnose', 'human']);
    for (const label of ['certificate.issue', 'vhost.delete', 'database.delete', 'diagnose', 'human'])
      for (const lang of ['en', 'fr'])
        expect(docs.filter((d) => d.label === label && d.lang === lang).length, `${label} ${lang}`).toBeGreaterThan(
          150,
        );
    const lines = tableLines();
    expect(lines.length).toBeGreaterThan(400);
    const shapes = lines.map(shape);
    // The check itself sees a table's line as near, so a generated copy of one would be left out.
    expect(nearTableLine(lines[0], shapes)).toBe(true);
    expect(docs.filter((d) => nearTableLine(d.text, shapes))).toEqual([]);
  });
});
