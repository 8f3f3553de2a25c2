import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { Action, Services } from '../../src/engine/action.js';
import { buildServices } from '../../src/composition.js';
import { SealBox } from '../../src/secrets.js';
import { Store } from '../../src/store/store.js';
import { LocalTarget } from '../../src/targets/local.js';
import type { LabInfo } from '../lab/client.js';
import { tempDir } from './tmp.js';
import { labWebserver } from './vhost-lab.js';

/** A name no other test uses, under the lab's `.test` suffix (resolves to 127.0.0.1 by default). */
export const uniqueName = (prefix = 'c') => `${prefix}${randomBytes(4).toString('hex')}.serein.test`;

/** The lab's nginx as a configured web server, with 127.0.0.1 and ::1 as the addresses DNS must point to. */
export function labNginx(lab: LabInfo, dir: string): Record<string, unknown> {
  return labWebserver(lab, dir, 'local', {
    publicAddresses: ['127.0.0.1', '::1'],
    batchWindowMs: 20,
    probeTimeoutMs: 5000,
  });
}

/** The certificate parts of a config pointed at the lab: Pebble as the CA, challtestsrv as DNS, the lab's nginx. */
export function labCertConfig(
  lab: LabInfo,
  dir: string,
  extra: {
    cloudflare?: { apiToken: string; baseUrl: string };
    cas?: unknown[];
    dnsServer?: string;
    pebble?: NonNullable<LabInfo['pebble']>;
    dns?: Record<string, unknown>;
  } = {},
): Record<string, unknown> {
  // dnsServer/pebble: another DNS server under test (bind9, pdns) and the Pebble that asks it.
  const dnsServer = extra.dnsServer ?? `${lab.dns!.host}:${lab.dns!.port}`;
  const pebble = extra.pebble ?? lab.pebble!;
  return {
    stateDir: join(dir, 'state'),
    acme: {
      email: 'admin@serein.test',
      cas: extra.cas ?? [
        {
          name: 'pebble',
          directoryUrl: pebble.directoryUrl,
          caBundle: pebble.caCertPath,
          caaIdentities: ['pebble.letsencrypt.org'],
        },
      ],
    },
    dns: {
      resolvers: [dnsServer],
      authoritative: [dnsServer],
      extraSuffixes: ['test'],
      timeoutMs: 1500,
      ...(extra.cloudflare ? { cloudflare: extra.cloudflare } : {}),
      ...extra.dns,
    },
    webservers: { lab: labNginx(lab, dir) },
  };
}

/** POSTs to challtestsrv's management API (add-a, add-aaaa, add-caa, set-txt and their clear- twins). */
export async function dnsAdmin(lab: LabInfo, path: string, body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${lab.dns!.managementUrl}/${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`challtestsrv ${path}: HTTP ${res.status}`);
}

/** Services without a daemon: for testing the certificate modules on their own. */
export async function labServices(
  lab: LabInfo,
  extra: Parameters<typeof labCertConfig>[2] = {},
): Promise<{
  services: Services;
  config: Config;
  store: Store;
  dir: string;
  alerts: unknown[];
  close(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'serein-acme-'));
  const config = configSchema.parse({
    ...labCertConfig(lab, dir, extra),
    store: { driver: 'sqlite', path: join(dir, 'serein.db') },
    log: { level: 'silent' },
  });
  const store = await Store.open(config.store);
  const target = new LocalTarget('local');
  const alerts: unknown[] = [];
  const built = buildServices({
    config,
    store,
    logger: pino({ level: 'silent' }),
    target: () => target,
    seal: new SealBox(randomBytes(32)),
    alert: async (a) => {
      alerts.push(a);
      await store.alerts.add(a);
    },
  });
  const services = built.services;
  return {
    services,
    config,
    store,
    dir,
    alerts,
    /** Closes what the daemon would on stop (ACME connections...), then the store and the folder. */
    close: async () => {
      await built.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Services on a store of their own with one CA and no target (none may be reached), no lab:
 * for tests whose small scripted CA stands in for one that has renewalInfo (Pebble has none).
 */
export async function scriptedCaServices(
  directoryUrl: string,
  folderPrefix: string,
): Promise<{ services: Services; store: Store }> {
  const d = tempDir(folderPrefix);
  const config = configSchema.parse({
    stateDir: join(d, 'state'),
    store: { driver: 'sqlite', path: join(d, 'db.sqlite') },
    acme: { cas: [{ name: 'ari', directoryUrl }] },
  });
  const store = await Store.open(config.store);
  const { services } = buildServices({
    config,
    store,
    logger: pino({ level: 'silent' }),
    target: () => {
      throw new Error('no target');
    },
    seal: new SealBox(randomBytes(32)),
    alert: async () => undefined,
  });
  return { store, services };
}

export type { Action };
