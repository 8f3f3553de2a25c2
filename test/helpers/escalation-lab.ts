import { randomBytes } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import { expect } from 'vitest';
import { useLab, type LabInfo } from '../lab/client.js';
import { dnsAdmin } from './acme-lab.js';
import { storyWorld, to } from './conversations.js';
import type { TestDaemon } from './daemon.js';

/**
 * What the escalation tests watch from outside: a daemon on the lab's Pebble whose alerts
 * go to a real webhook receiver (Slack-shaped bodies collected in `hooks`) and to admins
 * through a real SMTP server (`mails`), and one French client, La Boutique, with a domain.
 */
export interface EscalationLab {
  lab: LabInfo;
  d: TestDaemon;
  mails: ParsedMail[];
  // The webhook bodies as sent (JSON of any shape: each test reads the fields it checks).
  hooks: any[];
  /** The client's registered domain, and its site under it. */
  reg: string;
  site: string;
  tenantId: string;
  clientEmail: string;
  opsEmail: string;
  client: { token: string };
  /** Stops the daemon and both receivers, and takes back the IPv6 address a test gave the site. */
  stop(): Promise<void>;
}

/** Who a mail was sent to. */
export { to };

/** Starts the escalation tests' world (see EscalationLab); `prefix` names its temporary folder. */
export async function escalationLab(prefix: string): Promise<EscalationLab> {
  const lab = await useLab('pebble');
  const reg = `${randomBytes(4).toString('hex')}.test`;
  const site = `boutique.${reg}`;
  const tenantId = `x${randomBytes(3).toString('hex')}`;
  const clientEmail = 'contact@boutique.test';
  const opsEmail = 'ops@hosting.test'; // where storyWorld sends admins' alerts
  const world = await storyWorld(lab, {}, prefix);
  const { d, mails, hooks } = world;
  expect(
    (
      await d.api('POST', '/v1/tenants', {
        body: { id: tenantId, name: 'La Boutique', language: 'fr', email: clientEmail },
      })
    ).status,
  ).toBe(201);
  for (const [kind, name] of [
    ['domain', reg],
    ['server', 'lab'],
  ])
    expect((await d.api('POST', `/v1/tenants/${tenantId}/resources`, { body: { kind, name } })).status).toBe(201);
  const client = { token: (await d.api('POST', '/v1/tokens', { body: { kind: 'client', tenantId } })).body.token };
  return {
    lab,
    d,
    mails,
    hooks,
    reg,
    site,
    tenantId,
    clientEmail,
    opsEmail,
    client,
    async stop() {
      await dnsAdmin(lab, 'clear-aaaa', { host: `${site}.` }).catch(() => undefined);
      await world.stop();
    },
  };
}
