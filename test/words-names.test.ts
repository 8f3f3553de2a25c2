/**
 * Issue 21's words against the real lab: a dangling alias built in BIND (the preflight
 * says to change or remove the alias and offers no repair), an address in Cloudflare's
 * ranges (the orange cloud named, grey cloud or dns-01), and names as people write them
 * through the API as a client: the doctor, a job's domain input and a request in words read
 * "https://www.Exemple.fr/boutique", "Exemple.FR." and " exemple.fr " as the name they mean;
 * another name is "not one of your domains", never « introuvable »; a 64-character label
 * gets its own sentence. English and French.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check, Diagnosis } from '../src/dns/check.js';
import { diagnose } from '../src/certificates/diagnose.js';
import { preflightError } from '../src/dns/report.js';
import { dnsAdmin, labCertConfig, labServices } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { tempDir } from './helpers/tmp.js';
import { useLab, type LabInfo } from './lab/client.js';

let lab: LabInfo;
const hex = () => randomBytes(4).toString('hex');
const find = (d: Diagnosis, id: string) => d.checks.find((c) => c.id === id && c.status !== 'ok') as Check;

beforeAll(async () => {
  lab = await useLab('pebble', 'bind9');
});

describe('the preflight against the lab DNS', () => {
  it('a dangling alias: change or remove the alias, no address beside it, no repair', async () => {
    const b = lab.bind9!;
    const name = `shop${hex()}.${b.clientZone}`;
    const gone = `gone${hex()}.${b.clientZone}`;
    execFileSync('nsupdate', ['-y', `${b.clientKey.algorithm}:${b.clientKey.name}:${b.clientKey.secret}`], {
      input: [
        `server ${b.host} ${b.port}`,
        `zone ${b.clientZone}`,
        `update add ${name}. 60 CNAME ${gone}.`,
        'send',
        '',
      ].join('\n'),
    });
    const env = await labServices(lab, { dnsServer: `${b.host}:${b.port}` });
    try {
      const d = await diagnose(env.services, { domains: [name], challenge: 'http-01', webserver: 'lab' });
      const c = find(d, 'addresses');
      expect(c.status).toBe('failure');
      expect(c.repair).toBeUndefined(); // no one-click repair that cannot work
      expect(c.message.en).toBe(
        `${name} is set to follow another name, ${gone}, which does not exist: browsers and the certificate authority cannot find your site.`,
      );
      expect(c.fix?.en).toBe(
        `At the company that manages your domain (often where you bought it), change the line for ${name} that points to ${gone}: point it to a name that works, or delete that line and give ${name} the address 127.0.0.1 or ::1 instead.`,
      );
      expect(c.fix?.fr).toBe(
        `Chez la société qui gère votre domaine (souvent là où vous l'avez acheté), modifiez la ligne de ${name} qui pointe vers ${gone}\u00a0: faites-la pointer vers un nom qui fonctionne, ou supprimez cette ligne et donnez plutôt à ${name} l'adresse 127.0.0.1 ou ::1.`,
      );
      expect(c.technical?.en).toMatch(
        /is a CNAME to .*does not exist \(NXDOMAIN\)\. A name with a CNAME can hold no other record/,
      );
      const err = preflightError(d).toJSON('fr', false);
      expect(err.hint).toBe(c.fix?.fr);
      expect(err.message).not.toMatch(/CNAME|NXDOMAIN/);
    } finally {
      await env.close();
    }
  });

  it("an address in Cloudflare's ranges: the orange cloud, the grey cloud or dns-01", async () => {
    const name = `cf${hex()}.serein.test`;
    await dnsAdmin(lab, 'add-a', { host: `${name}.`, addresses: ['104.16.0.1'] });
    const env = await labServices(lab);
    try {
      const d = await diagnose(env.services, { domains: [name], challenge: 'http-01', webserver: 'lab' });
      const proxy = find(d, 'cloudflare-proxy');
      expect(proxy.title).toEqual({ en: "Cloudflare's orange cloud", fr: 'Le nuage orange de Cloudflare' });
      const web = find(d, 'http-token');
      expect(web.status).toBe('failure');
      expect(web.fix?.en).toMatch(
        new RegExp(
          `^In Cloudflare, open the DNS settings of your domain and click the orange cloud next to ${name.replace(/\./g, '\\.')} so that it turns grey \\("DNS only"\\)`,
        ),
      );
      expect(web.fix?.fr).toMatch(
        /^Dans Cloudflare, .* pour qu'il devienne gris \(«\u00a0DNS uniquement\u00a0»\).*\(la méthode «\u00a0dns-01\u00a0»\)/,
      );
      expect(web.message.en).not.toMatch(/E[A-Z]{4,}|acme-challenge/);
      expect(web.technical?.en).toMatch(/acme-challenge/);
      expect(preflightError(d).hint.en).toMatch(/orange cloud/);
    } finally {
      await env.close();
    }
  });
});

describe('names as people write them, through the API as a client', () => {
  let d: TestDaemon;
  let token: string;
  let tokenFr: string;
  const zone = `${hex()}x.test`;
  const zoneFr = `${hex()}y.test`;
  const shown = (z: string) => z.replace(/^./, (c) => c.toUpperCase()).toUpperCase();

  beforeAll(async () => {
    d = await startTestDaemon({ config: labCertConfig(lab, tempDir('serein-words-')) });
    token = (await d.tenant(`n${hex()}`, { domains: [zone], servers: ['lab'] })).token;
    tokenFr = (await d.tenant(`m${hex()}`, { language: 'fr', domains: [zoneFr], servers: ['lab'] })).token;
  });
  afterAll(async () => {
    await d?.stop();
  });

  it.each([
    [(z: string) => `https://www.${shown(z)}/boutique`, (z: string) => `www.${z}`],
    [(z: string) => `${shown(z)}.`, (z: string) => z],
    [(z: string) => ` ${z} `, (z: string) => z],
  ])('the doctor reads %s as the name meant', async (typed, meant) => {
    const res = await d.api('POST', '/v1/doctor', { token, body: { domains: [typed(zone)] } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.domains).toEqual([meant(zone)]);
    expect(res.body.checks.find((c: any) => c.id === 'syntax').status).toBe('ok');
  });

  it('a job and a request in words read the name the same way', async () => {
    const job = await d.api('POST', '/v1/jobs', {
      token,
      body: {
        playbook: 'certificate.issue',
        inputs: { domains: [`https://www.${shown(zone)}/boutique`, `${shown(zone)}.`] },
        dryRun: true,
      },
    });
    expect(job.status, JSON.stringify(job.body)).toBe(202);
    expect(job.body.job.inputs.domains).toEqual([`www.${zone}`, zone]);
    const site = await d.api('POST', '/v1/jobs', {
      token,
      body: { playbook: 'vhost.create', inputs: { webserver: 'lab', domain: ` Shop.${shown(zone)}. ` }, dryRun: true },
    });
    expect(site.status, JSON.stringify(site.body)).toBe(202);
    expect(site.body.job.inputs.domain).toBe(`shop.${zone}`);
    const words = await d.api('POST', '/v1/requests', {
      token,
      body: { text: `je veux mettre le https sur https://Shop.${shown(zone)}/boutique` },
    });
    expect(words.status, JSON.stringify(words.body)).toBe(200);
    expect(JSON.stringify(words.body)).toContain(`shop.${zone}`);
  });

  it('another name is "not one of your domains", in English and French, never « introuvable »', async () => {
    const other = `https://www.${hex()}-elsewhere.test/page`;
    for (const [t, expected, hint] of [
      [token, /^www\.\w+-elsewhere\.test is not one of your domains\.$/, /ask your provider to add it to your account/],
      [
        tokenFr,
        /^www\.\w+-elsewhere\.test ne fait pas partie de vos domaines\.$/,
        /demandez à votre hébergeur de l'ajouter à votre compte/,
      ],
    ] as const) {
      const doctor = await d.api('POST', '/v1/doctor', { token: t, body: { domains: [other] } });
      expect(doctor.status).toBe(404);
      expect(doctor.body.error.code).toBe('not_yours');
      expect(doctor.body.error.message).toMatch(expected);
      expect(doctor.body.error.hint).toMatch(hint);
      const job = await d.api('POST', '/v1/jobs', {
        token: t,
        body: { playbook: 'certificate.issue', inputs: { domains: [other] }, dryRun: true },
      });
      expect(job.status).toBe(404);
      expect(job.body.error.message).toMatch(expected);
      expect(JSON.stringify([doctor.body, job.body])).not.toMatch(/introuvable|not found/i);
    }
  });

  it('a 64-character label gets its own sentence, in English and French', async () => {
    const long = `${'boutique'.repeat(8)}.${zoneFr}`;
    const fr = await d.api('POST', '/v1/doctor', { token: tokenFr, body: { domains: [long] } });
    expect(fr.status, JSON.stringify(fr.body)).toBe(200);
    expect(fr.body.checks[0].message).toMatch(
      /a une partie de 64 caractères \(«\u00a0boutiqueboutiquebout…\u00a0»\)\u00a0: une partie entre deux points ne peut pas dépasser 63 caractères\./,
    );
    expect(fr.body.checks[0].fix).toBe(
      "Raccourcissez cette partie d'au moins 1 caractère, ou choisissez un nom plus court.",
    );
    const en = await d.api('POST', '/v1/jobs', {
      token,
      body: { playbook: 'certificate.issue', inputs: { domains: [`${'boutique'.repeat(8)}.${zone}`] }, dryRun: true },
    });
    expect(en.status).toBe(400);
    expect(en.body.error.message).toMatch(
      /has a part of 64 characters \("boutiqueboutiquebout…"\): a part between two dots may have at most 63\./,
    );
  });
});
