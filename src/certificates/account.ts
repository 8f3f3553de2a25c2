import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaConfig, Config } from '../config/schema.js';
import type { CaIdentity } from '../dns/caa.js';
import type { Logger } from '../log.js';
import type { CertificateStore } from '../store/certificates.js';
import { AcmeClient, type AcmeClientOptions, type Directory } from '../acme/client.js';
import { accountKeyFromPem, newEcdsaKeyPem, type AccountKey } from '../acme/jws.js';

/** A CA ready to take orders: its client, signed in with serein's one account there. */
export interface ReadyCa {
  ca: CaConfig;
  client: AcmeClient;
  key: AccountKey;
  accountUrl: string;
  directory: Directory;
}

/**
 * One ACME account per CA for every client of the provider: its key lives in
 * `<stateDir>/acme/<ca>.account.key` (0600), its URL in the store. Created on first
 * use, with External Account Binding when the CA is configured with one.
 */
export class AcmeAccounts {
  private readonly clients = new Map<string, AcmeClient>();
  private readonly ready = new Map<string, Promise<ReadyCa>>();
  /** Account key thumbprints once read: a key file is never replaced, and every preflight asks. */
  private readonly thumbprints = new Map<string, string>();

  constructor(
    private readonly config: Config,
    private readonly store: CertificateStore,
    private readonly logger?: Logger,
    private readonly clientOptions: Partial<AcmeClientOptions> = {},
  ) {}

  /** The CAs in the configured order of preference. */
  get cas(): CaConfig[] {
    return this.config.acme.cas;
  }

  ca(name: string): CaConfig {
    const ca = this.config.acme.cas.find((c) => c.name === name);
    if (!ca) throw new Error(`unknown CA ${name}`);
    return ca;
  }

  /** The CA's client (one per CA, kept alive), for its directory and renewalInfo. */
  client(name: string): AcmeClient {
    let c = this.clients.get(name);
    if (!c) {
      const ca = this.ca(name);
      c = new AcmeClient({
        directoryUrl: ca.directoryUrl,
        caBundle: ca.caBundle ? readFileSync(ca.caBundle) : undefined,
        ...this.clientOptions,
      });
      this.clients.set(name, c);
    }
    return c;
  }

  private keyPath(name: string): string {
    return join(this.config.stateDir, 'acme', `${name}.account.key`);
  }

  private async loadKey(name: string): Promise<AccountKey> {
    const path = this.keyPath(name);
    await mkdir(join(this.config.stateDir, 'acme'), { recursive: true, mode: 0o700 });
    try {
      return accountKeyFromPem(await readFile(path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const pem = await newEcdsaKeyPem();
    try {
      await writeFile(path, pem, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return accountKeyFromPem(await readFile(path)); // another daemon won the race
    }
    return accountKeyFromPem(pem);
  }

  /** The CA with serein's account, registering it the first time. */
  account(name: string): Promise<ReadyCa> {
    let p = this.ready.get(name);
    if (!p) {
      p = (async () => {
        const ca = this.ca(name);
        const client = this.client(name);
        const [key, directory] = await Promise.all([this.loadKey(name), client.directory()]);
        let accountUrl = await this.store.account(ca.directoryUrl, key.thumbprint);
        if (accountUrl) client.useAccount(key, accountUrl);
        else {
          client.useAccount(key);
          accountUrl = await client.newAccount({
            contact: this.config.acme.email ? [`mailto:${this.config.acme.email}`] : undefined,
            eab: ca.eab,
          });
          await this.store.saveAccount({
            directoryUrl: ca.directoryUrl,
            keyThumbprint: key.thumbprint,
            ca: name,
            accountUrl,
          });
          this.logger?.info({ ca: name }, 'ACME account registered');
        }
        return { ca, client, key, accountUrl, directory };
      })();
      this.ready.set(name, p);
      p.catch(() => this.ready.delete(name));
    }
    return p;
  }

  /** Forgets the account URL (the CA lost it, e.g. a test CA restarted) so the next use registers again. */
  async forget(name: string): Promise<void> {
    const ready = await this.ready.get(name)?.catch(() => undefined);
    this.ready.delete(name);
    if (ready)
      await this.store.saveAccount({
        directoryUrl: ready.ca.directoryUrl,
        keyThumbprint: ready.key.thumbprint,
        ca: name,
        accountUrl: '',
      });
  }

  /**
   * What CAA records must name to allow each CA (configured, else the directory's
   * caaIdentities), and our account URL there when known. Never creates an account.
   */
  async identities(): Promise<CaIdentity[]> {
    return Promise.all(
      this.cas.map(async (ca) => {
        let identities = ca.caaIdentities ?? null;
        if (!identities) {
          try {
            identities = (await this.client(ca.name).directory()).meta?.caaIdentities ?? null;
          } catch {
            identities = null;
          }
        }
        let accountUri: string | undefined;
        try {
          let thumbprint = this.thumbprints.get(ca.name);
          if (!thumbprint) {
            thumbprint = accountKeyFromPem(await readFile(this.keyPath(ca.name))).thumbprint;
            this.thumbprints.set(ca.name, thumbprint);
          }
          accountUri = (await this.store.account(ca.directoryUrl, thumbprint)) || undefined;
        } catch {
          accountUri = undefined;
        }
        return { name: ca.name, identities, accountUri };
      }),
    );
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }
}
