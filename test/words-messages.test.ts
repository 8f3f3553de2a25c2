/**
 * What a shop owner reads, checked sentence by sentence in English and French (issue 21,
 * "Messages a shop owner acts on"): the first sentence says what to do, the why is short,
 * codes, paths and DNS jargon sit in the technical text only; a dangling alias, Cloudflare's
 * orange cloud, a resolver that cannot answer and a too-long label get a fix that can be done;
 * international names read in their own letters; names are read as people write them.
 */
import { describe, expect, it } from 'vitest';
import { check, type Check, type Diagnosis } from '../src/dns/check.js';
import { parseDomain, readName } from '../src/dns/domain.js';
import * as msg from '../src/dns/messages.js';
import { dnssec } from '../src/dns/messages-dnssec.js';
import { nameservers } from '../src/dns/messages-views.js';
import { preflightError } from '../src/dns/report.js';
import { OperationError } from '../src/errors.js';
import { notYours } from '../src/resources/domain.js';

const langs = ['en', 'fr'] as const;
/** What may never be in the client's main text: system codes, the proof path, record jargon. */
const JARGON = /E[A-Z]{4,}|SERVFAIL|acme-challenge|\bCNAME\b|\bCAA\b|\bA record|enregistrement A\b|NXDOMAIN|dig /;

const diag = (checks: Check[]): Diagnosis => ({
  ok: false,
  challenge: 'http-01',
  domains: [checks[0].domain],
  checks,
  cas: [],
  tookMs: 1,
});

describe('the web check', () => {
  const failed = msg.http.failed(
    'blog.exemple.fr',
    '192.0.2.7',
    'ipv4',
    { kind: 'unreachable', code: 'EHOSTUNREACH' },
    false,
  );
  it.each(langs)('says what it means without codes or paths (%s); the technical text keeps them', (lang) => {
    expect(failed.message[lang]).not.toMatch(JARGON);
    expect(failed.message[lang]).toContain('192.0.2.7');
    expect(failed.technical?.[lang]).toContain('http://blog.exemple.fr/.well-known/acme-challenge/');
    expect(failed.technical?.[lang]).toContain('EHOSTUNREACH');
    expect(failed.message[lang].split(/(?<=[.!?])\s+(?=[A-ZÀ-Ý])/).length).toBeLessThanOrEqual(2);
  });

  it('behind Cloudflare, names the orange cloud and the two ways out, in both languages', () => {
    const cf = msg.http.failed('blog.exemple.fr', '104.16.0.1', 'ipv4', { kind: 'timeout', seconds: 5 }, false, true);
    expect(cf.fix?.en).toMatch(
      /^In Cloudflare, .*click the orange cloud next to blog\.exemple\.fr so that it turns grey \("DNS only"\)/,
    );
    expect(cf.fix?.en).toMatch(/through the DNS instead \(the "dns-01" method\)/);
    expect(cf.fix?.fr).toMatch(
      /^Dans Cloudflare, .*cliquez sur le nuage orange à côté de blog\.exemple\.fr pour qu'il devienne gris \(«\u00a0DNS uniquement\u00a0»\)/,
    );
    expect(cf.fix?.fr).toMatch(/par le DNS à la place/);
    for (const lang of langs) expect(cf.message[lang]).not.toMatch(JARGON);
    const proxy = msg.addresses.cloudflareProxy('blog.exemple.fr', '104.16.0.1');
    expect(proxy.title.en).toBe("Cloudflare's orange cloud");
    expect(proxy.fix?.fr).toMatch(/nuage orange à côté de blog\.exemple\.fr pour qu'il devienne gris/);
  });
});

describe('a dangling alias', () => {
  const e = msg.addresses.danglingAlias('blog.exemple.fr', 'old-host.example.net', true, ['203.0.113.5'], []);
  it.each(langs)('the fix changes or removes the alias, never an address beside it (%s)', (lang) => {
    expect(e.message[lang]).toMatch(/old-host\.example\.net/);
    expect(e.message[lang]).not.toMatch(JARGON);
    expect(e.fix?.[lang]).toMatch(
      lang === 'en'
        ? /change the line for blog\.exemple\.fr that points to old-host\.example\.net: point it to a name that works, or delete that line and give blog\.exemple\.fr the address 203\.0\.113\.5 instead/
        : /modifiez la ligne de blog\.exemple\.fr qui pointe vers old-host\.example\.net\u00a0: faites-la pointer vers un nom qui fonctionne, ou supprimez cette ligne et donnez plutôt à blog\.exemple\.fr l'adresse 203\.0\.113\.5/,
    );
    expect(e.fix?.[lang]).not.toMatch(/\b(add|ajoutez)\b/i);
    expect(e.technical?.[lang]).toMatch(/CNAME/);
    expect(e.technical?.[lang]).toMatch(/NXDOMAIN/);
  });
});

describe('a resolver that cannot answer', () => {
  const cases = {
    caa: msg.caa.lookupFailed('blog.exemple.fr', 'exemple.fr', 'ESERVFAIL'),
    addresses: msg.addresses.lookupFailed('blog.exemple.fr', 'ETIMEOUT'),
    exists: msg.exists.lookupFailed('blog.exemple.fr', 'exemple.fr', 'ESERVFAIL'),
    txt: msg.dns01.txtFailed('blog.exemple.fr', '_acme-challenge.blog.exemple.fr', 'EREFUSED'),
  };
  it.each(Object.keys(cases))('%s: plain words, the fix first, the code in the technical text only', (k) => {
    const e = cases[k as keyof typeof cases];
    for (const lang of langs) {
      expect(e.message[lang]).not.toMatch(JARGON);
      expect(e.message[lang]).not.toMatch(/question CAA|résolveur/);
      expect(e.fix?.[lang]).not.toMatch(JARGON);
      expect(e.technical?.[lang]).toMatch(/E[A-Z]{4,}/);
    }
  });
  it('the CAA case says who to ask, in both languages', () => {
    expect(cases.caa.fix?.en).toMatch(
      /^Ask the company that manages your domain \(often where you bought it\) to make its DNS servers answer that question/,
    );
    expect(cases.caa.fix?.fr).toMatch(
      /^Demandez à la société qui gère votre domaine \(souvent là où vous l'avez acheté\) que ses serveurs DNS répondent à cette question/,
    );
  });
});

describe('DNSSEC and the servers of a domain', () => {
  /** The trade's words: a DS record, re-signing a zone, a copy of a zone, a signature record, a serial. */
  const TRADE = /\bDS\b|re-sign|signer à nouveau|\bzone\b|RRSIG|DNSKEY|serial|numéro de série|key tag/i;
  const sig = {
    record: 'www.exemple.fr A',
    signer: 'exemple.fr',
    keyTag: 12345,
    inception: new Date('2026-01-01T00:00:00Z'),
    expiration: new Date('2026-02-01T00:00:00Z'),
  };
  const server = { server: 'ns2.host.example', address: '[2001:db8::53]:53', serial: 1, records: ['A 192.0.2.1'] };
  const cases = {
    expired: dnssec.expired('www.exemple.fr', 'exemple.fr', sig),
    notYetValid: dnssec.notYetValid('www.exemple.fr', 'exemple.fr', sig),
    dsWithoutSignatures: dnssec.dsWithoutSignatures('www.exemple.fr', 'exemple.fr', [12345]),
    keyMismatch: dnssec.keyMismatch('www.exemple.fr', 'exemple.fr', [12345], [54321]),
    bogus: dnssec.bogus('www.exemple.fr', 'exemple.fr'),
    oldCopy: nameservers.oldCopy('www.exemple.fr', 'exemple.fr', 1, 2, [server], {
      ...server,
      server: 'ns1.host.example',
      serial: 2,
      records: ['A 192.0.2.2'],
    }),
  };
  it.each(Object.keys(cases))('%s: the client reads plain words; the technical text keeps the records', (k) => {
    const e = cases[k as keyof typeof cases];
    for (const lang of langs) {
      // "the DNS of exemple.fr" names the domain, not a zone: only the word is jargon.
      expect(e.message[lang]).not.toMatch(TRADE);
      expect(e.fix?.[lang]).not.toMatch(TRADE);
      expect(e.message[lang]).not.toMatch(JARGON);
      expect(e.technical?.[lang]).toMatch(/DS|RRSIG|SERVFAIL|serial|série/);
    }
  });
  it('an expired signature says when, as a date in words', () => {
    expect(cases.expired.fix?.en).toContain('1 February 2026');
    expect(cases.expired.fix?.fr).toContain('1 février 2026');
  });
});

describe('names as people write them', () => {
  it.each([
    ['https://www.Exemple.fr/boutique', 'www.exemple.fr'],
    ['Exemple.FR.', 'exemple.fr'],
    [' exemple.fr ', 'exemple.fr'],
    ['Boutique.Example.FR.', 'boutique.example.fr'],
    ['https://www.exemple.fr/boutique?page=2', 'www.exemple.fr'],
    ['HTTP://Bücher.fr/', 'xn--bcher-kva.fr'],
  ])('%j is %s', (typed, meant) => {
    expect(parseDomain(typed, false)).toBe(meant);
  });
  it('keeps refusing what is no name: a user, a port, a control character', () => {
    for (const bad of [
      'user@shop.fr',
      'shop.fr:8080',
      'shop\tfr.fr/x',
      'exemple..fr',
      'shop.fr/x.com',
      'shop.fr?x.com',
    ])
      expect(() => parseDomain(bad, false), bad).toThrow(OperationError);
    expect(readName('shop.fr:8080')).toBe('shop.fr:8080');
  });
  it('a 64-character label gets its own sentence, in both languages', () => {
    const long = `${'a'.repeat(64)}.fr`;
    const err = (() => {
      try {
        parseDomain(long, false);
      } catch (e) {
        return e as OperationError;
      }
    })()!;
    expect(err.userMessage.en).toMatch(
      /has a part of 64 characters \("a{20}…"\): a part between two dots may have at most 63\.$/,
    );
    expect(err.userMessage.fr).toMatch(
      /a une partie de 64 caractères \(«\u00a0a{20}…\u00a0»\)\u00a0: une partie entre deux points ne peut pas dépasser 63 caractères\.$/,
    );
    expect(err.hint.en).toBe('Shorten that part by at least 1 character, or choose a shorter name.');
    expect(err.hint.fr).toBe("Raccourcissez cette partie d'au moins 1 caractère, ou choisissez un nom plus court.");
  });
  it('a name that is not the client’s is "not one of your domains", with whom to ask, never "introuvable"', () => {
    const e = notYours(' https://Bücher.FR/shop ');
    expect(e.code).toBe('not_yours');
    expect(e.userMessage.en).toBe('bücher.fr is not one of your domains.');
    expect(e.userMessage.fr).toBe('bücher.fr ne fait pas partie de vos domaines.');
    expect(e.hint.en).toMatch(/ask your provider to add it to your account/);
    expect(e.hint.fr).toMatch(/demandez à votre hébergeur de l'ajouter à votre compte/);
    expect(JSON.stringify(e.toJSON('fr'))).not.toMatch(/introuvable|not found/i);
  });
  it('an international name reads in its own letters in every check', () => {
    const c = check(
      'addresses',
      'xn--bcher-kva.fr',
      'failure',
      msg.addresses.none('xn--bcher-kva.fr', ['203.0.113.5'], []),
    );
    for (const lang of langs) {
      expect(c.message[lang]).toContain('bücher.fr');
      expect(`${c.message[lang]} ${c.fix?.[lang]}`).not.toContain('xn--');
    }
  });
});

describe('the error a blocked job fails with', () => {
  const name = 'blog.exemple.fr';
  const stale = check(
    'target-address',
    name,
    'failure',
    msg.addresses.notTarget(name, '2001:db8::dead', 'ipv6', ['::1']),
    { address: '2001:db8::dead', family: 'ipv6' },
  );
  const web = check(
    'http-token',
    name,
    'failure',
    msg.http.failed(name, '2001:db8::dead', 'ipv6', { kind: 'unreachable', code: 'EHOSTUNREACH' }, false),
    { address: '2001:db8::dead' },
  );
  const err = preflightError(diag([stale, web]));
  it.each(langs)('the fix is the hint, the why is short and plain, the rest is technical (%s)', (lang) => {
    const body = err.toJSON(lang, false);
    expect(body.hint).toBe(stale.fix?.[lang]);
    expect(body.message).toBe(stale.message[lang]);
    expect(body.message).not.toMatch(
      /autorité de certification… http|Rien n'a encore|Nothing was asked|EHOSTUNREACH|acme-challenge/,
    );
    expect(body.technical).toMatch(/EHOSTUNREACH/);
    expect(body.technical).toMatch(
      lang === 'en'
        ? /Nothing was asked of the certificate authority/
        : /Rien n'a été demandé à l'autorité de certification/,
    );
    expect(body.detail).toBeUndefined();
  });
});
