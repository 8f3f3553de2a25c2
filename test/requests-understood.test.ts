/**
 * Requests in words through the API for the operations issue 20 added, against the lab's
 * BIND (a zone serein may repair), its Pebble, nginx, MariaDB and PostgreSQL: "my site is
 * down" on a site whose DNS is broken answers with what the doctor found and dns.fix as a
 * dry run first; "delete the database clients" proposes the removal, which the operation
 * refuses without the typed name; "ne supprimez pas mon site, renouvelez le certificat"
 * proposes the renewal of the site's active certificate, and no removal; "remove the site"
 * names the input to type its name in, and a client's removal without it is refused.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labCertConfig } from './helpers/acme-lab.js';
import { startTestDaemon, type TestDaemon } from './helpers/daemon.js';
import { dbExists } from './helpers/db-lab.js';
import { tempDir } from './helpers/tmp.js';
import { getWithHost, labNginxTest } from './helpers/vhost-lab.js';
import { useLab, type LabInfo } from './lab/client.js';

let lab: LabInfo;
let d: TestDaemon;
const h = randomBytes(3).toString('hex');
const tenant = `u${h}`;
let token: string;
let broken: string;
let healthy: string;

/** Records set in the lab's BIND by hand, as a client's DNS host would. */
function setAddresses(name: string, a: string, aaaa: string): void {
  const b = lab.bind9!;
  execFileSync('nsupdate', ['-y', `${b.key.algorithm}:${b.key.name}:${b.key.secret}`], {
    input: [
      `server ${b.host} ${b.port}`,
      `zone ${b.zone}`,
      `update add ${name}. 60 A ${a}`,
      `update add ${name}. 60 AAAA ${aaaa}`,
      'send',
      '',
    ].join('\n'),
    timeout: 10_000,
  });
}

beforeAll(async () => {
  lab = await useLab('pebbleBind9', 'mariadb', 'postgres');
  const b = lab.bind9!;
  broken = `down${h}.${b.zone}`;
  healthy = `shop${h}.${b.zone}`;
  setAddresses(broken, '127.0.0.1', '2001:db8::dead'); // an old IPv6 address still points elsewhere
  setAddresses(healthy, '127.0.0.1', '::1');
  const address = `${b.host}:${b.port}`;
  const config = labCertConfig(lab, tempDir('serein-requests-understood-'), {
    dnsServer: address,
    pebble: lab.pebbleBind9!,
    dns: {
      providers: [{ type: 'rfc2136', zones: [b.zone], server: address, keyName: b.key.name, keySecret: b.key.secret }],
    },
  }) as Record<string, unknown>;
  const m = lab.mariadb!;
  const p = lab.postgres!;
  d = await startTestDaemon({
    config: {
      ...config,
      databases: {
        maria: { engine: 'mariadb', host: m.host, port: m.port, user: m.user, password: m.password },
        pg: { engine: 'postgres', host: p.host, port: p.port, user: p.user, password: p.password },
      },
    },
  });
  token = (await d.tenant(tenant, { language: 'en', domains: [broken, healthy], servers: ['lab', 'maria', 'pg'] }))
    .token;
  for (const domain of [broken, healthy]) {
    const job = await d.runJob('vhost.create', { webserver: 'lab', domain, aliases: [] }, { token });
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
  }
}, 120_000);

afterAll(async () => {
  if (d) {
    for (const domain of [broken, healthy])
      await d.runJob('vhost.delete', { domain, confirm: domain, removeFiles: true }, { token });
    await d.stop();
  }
  if (lab) expect(labNginxTest(lab).ok).toBe(true);
});

const ask = (text: string) => d.api('POST', '/v1/requests', { token, body: { text } });

describe('requests in words: diagnose, delete, renew', () => {
  it('"my site is down" on a site whose DNS is broken answers with what was found and dns.fix as a dry run first', async () => {
    const before = (await d.api('GET', '/v1/jobs?limit=100')).body.jobs.length;
    const res = await ask(`my site ${broken} is down`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      status: 'diagnosis',
      intent: 'diagnose',
      diagnosis: { site: broken, ok: false, person: false },
    });
    expect(res.body.sentence).toMatch(
      new RegExp(`^I checked ${broken.replace(/\./g, '\\.')}: .+ We can fix it for you`),
    );
    expect(res.body.diagnosis.findings.some((f: any) => f.status === 'failure')).toBe(true);
    // The fix the playbook recommends: a dry run first, never confirm: true in the proposal.
    expect(res.body.proposal).toMatchObject({ playbook: 'dns.fix', inputs: { domain: broken }, dryRunFirst: true });
    expect(res.body.proposal.inputs.confirm).toBeUndefined();
    expect((await d.api('GET', '/v1/jobs?limit=100')).body.jobs.length).toBe(before); // understood, nothing ran
    const dry = await d.runJob(res.body.proposal.playbook, res.body.proposal.inputs, { token, dryRun: true });
    expect(dry.status, JSON.stringify(dry.error)).toBe('succeeded');
  }, 60_000);

  it('"delete the database clients" proposes the removal of that database; without the typed name the operation refuses', async () => {
    const created = await d.runJob('database.create', { server: 'pg', name: 'clients' }, { token });
    expect(created.status, JSON.stringify(created.error)).toBe('succeeded');
    const full = `${tenant}_clients`;
    const res = await ask('delete the database clients');
    expect(res.body).toMatchObject({
      status: 'proposal',
      intent: 'database.delete',
      proposal: {
        playbook: 'database.delete',
        inputs: { server: 'pg', name: 'clients' },
        typeToConfirm: { input: 'confirm', value: full },
      },
    });
    expect(res.body.sentence).toMatch(/To confirm, type its full name/);
    expect(JSON.stringify(res.body)).not.toContain('database.create');
    // Submitted as proposed, without the typed name: refused, the data is still there.
    const unconfirmed = await d.runJob(res.body.proposal.playbook, res.body.proposal.inputs, { token });
    expect(unconfirmed.status).toBe('failed');
    expect(unconfirmed.error.code).toBe('confirmation_required');
    expect(await dbExists(lab, 'postgres', full)).toEqual({ database: true, user: true });
    const typed = await d.runJob(
      'database.delete',
      { ...res.body.proposal.inputs, [res.body.proposal.typeToConfirm.input]: full },
      { token },
    );
    expect(typed.status, JSON.stringify(typed.error)).toBe('succeeded');
    expect(await dbExists(lab, 'postgres', full)).toEqual({ database: false, user: false });
  }, 60_000);

  it('"ne supprimez pas mon site, renouvelez le certificat" proposes the renewal of its active certificate, and no removal', async () => {
    const issued = await d.runJob('certificate.issue', { domains: [healthy] }, { token });
    expect(issued.status, JSON.stringify(issued.error)).toBe('succeeded');
    const res = await ask(`ne supprimez pas mon site, renouvelez le certificat de ${healthy}`);
    expect(res.body).toMatchObject({
      status: 'proposal',
      intent: 'certificate.renew',
      intents: ['certificate.renew'],
      language: 'fr',
      proposal: { playbook: 'certificate.renew', inputs: { site: healthy, certificate: issued.result.certificate } },
    });
    expect(JSON.stringify(res.body)).not.toContain('vhost.delete');
    const renewed = await d.runJob(res.body.proposal.playbook, res.body.proposal.inputs, { token });
    expect(renewed.status, JSON.stringify(renewed.error)).toBe('succeeded');
    expect(labNginxTest(lab).ok).toBe(true);
  }, 90_000);

  it('"remove the site X": a client\'s removal without the typed name is refused and nginx still serves the site; typed, it goes; an admin needs no typed name', async () => {
    const [site, other] = [`old${h}.${lab.bind9!.zone}`, `spare${h}.${lab.bind9!.zone}`];
    for (const name of [site, other]) {
      await d.api('POST', `/v1/tenants/${tenant}/resources`, { body: { kind: 'domain', name } });
      expect((await d.runJob('vhost.create', { webserver: 'lab', domain: name, aliases: [] }, { token })).status).toBe(
        'succeeded',
      );
    }
    const served = async (name: string) => (await getWithHost('127.0.0.1', lab.nginx!.port, name)).body.includes(name);
    expect(await served(site)).toBe(true);
    const res = await ask(`please remove the site ${site}`);
    expect(res.body).toMatchObject({
      status: 'proposal',
      intent: 'vhost.delete',
      proposal: {
        playbook: 'vhost.delete',
        inputs: { domain: site },
        typeToConfirm: { value: site, input: 'confirm' },
      },
    });
    const submit = (inputs: Record<string, unknown>, o: { token?: string; language?: string } = {}) =>
      d.api('POST', '/v1/jobs', {
        token: o.token ?? token,
        body: { playbook: 'vhost.delete', inputs },
        headers: o.language ? { 'accept-language': o.language } : {},
      });
    // As proposed, without the typed name: refused before anything is queued, in plain words in both languages.
    const en = await submit(res.body.proposal.inputs);
    expect(en.status).toBe(400);
    expect(en.body.error).toMatchObject({
      code: 'confirmation_required',
      message: `To remove it, type its name ${site} to confirm: nothing has been removed yet.`,
    });
    expect(en.body.error.hint).toContain(`Type ${site} exactly in "the site's address, typed again to confirm"`);
    const fr = await submit(res.body.proposal.inputs, { language: 'fr' });
    expect(fr.body.error.message).toBe(
      `Pour le supprimer, tapez son nom ${site} pour confirmer\u00a0: rien n'a encore été supprimé.`,
    );
    const wrong = await submit({ ...res.body.proposal.inputs, confirm: other });
    expect(wrong.body.error.message).toMatch(
      new RegExp(
        `^To remove it, type its name ${site.replace(/\./g, '\\.')} exactly: ${other.replace(/\./g, '\\.')} is another name`,
      ),
    );
    // A check of the removal needs no typed name: nothing goes.
    expect((await d.runJob('vhost.delete', res.body.proposal.inputs, { token, dryRun: true })).status).toBe(
      'succeeded',
    );
    expect(await served(site)).toBe(true);
    expect((await d.store.tenants.getResource('vhost', site))?.tenantId).toBe(tenant);
    // Typed as the page sends it (in the input the proposal names, in capitals as a client may type it): removed.
    const typed = await d.runJob(
      'vhost.delete',
      { ...res.body.proposal.inputs, [res.body.proposal.typeToConfirm.input]: site.toUpperCase() },
      { token },
    );
    expect(typed.status, JSON.stringify(typed.error)).toBe('succeeded');
    expect(await served(site)).toBe(false);
    // An admin (the API or the CLI) removes without typing it: the name is in the command they wrote.
    expect((await d.runJob('vhost.delete', { domain: other })).status).toBe('succeeded');
    expect(await served(other)).toBe(false);
    expect(labNginxTest(lab).ok).toBe(true);
  }, 90_000);
});
