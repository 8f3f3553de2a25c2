import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Dialect } from './db.js';
import {
  toRecord,
  type CertificateRecord,
  type CertificateStatus,
  type CertificateSummary,
  type CertificateTables,
  type Row,
} from './certificate-records.js';

// The shapes live in certificate-records.ts; callers keep importing them from the certificate store.
export { summarize } from './certificate-records.js';
export type { CertificateRecord, CertificateStatus, CertificateSummary, CertificateTables };
import {
  claimDue,
  claimHolders,
  endClaims,
  releaseRenewals,
  unclaimedDue,
  type ClaimBy,
} from './certificate-claims.js';
import { decodeCursor, DEFAULT_PAGE, pageSize, toPage, type Page, type PageRequest } from './page.js';

/**
 * Certificates, their keys and their history, ACME accounts, and the failed
 * validations that the per-name failure budget counts. Nothing is deleted: a renewed
 * certificate becomes `replaced`, so the history of a name can always be read back.
 */
export class CertificateStore {
  private readonly db: Kysely<CertificateTables>;

  constructor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the store's whole database, of which these tables are part
    db: Kysely<any>,
    /** PostgreSQL's due pages skip the rows another daemon is claiming (SQLite has no row locks to skip). */
    private readonly dialect: Dialect = 'sqlite',
  ) {
    this.db = db as Kysely<CertificateTables>;
  }

  /** Saves a freshly issued certificate as pending: it becomes active only once served. */
  async addPending(c: {
    tenantId: string | null;
    webserver: string | null;
    name: string;
    domains: string[];
    challenge: CertificateRecord['challenge'];
    keyType: string;
    ca: string;
    caDirectory: string;
    serial: string;
    ariCertId: string;
    notBefore: string;
    notAfter: string;
    certPem: string;
    keyPem: string;
    replacesId?: string | null;
    profile?: string | null;
  }): Promise<CertificateRecord> {
    const id = randomUUID();
    await this.db
      .insertInto('certificates')
      .values({
        id,
        tenant_id: c.tenantId,
        webserver: c.webserver,
        name: c.name,
        domains: JSON.stringify(c.domains),
        challenge: c.challenge,
        key_type: c.keyType,
        ca: c.ca,
        ca_directory: c.caDirectory,
        serial: c.serial,
        ari_cert_id: c.ariCertId,
        not_before: c.notBefore,
        not_after: c.notAfter,
        cert_pem: c.certPem,
        key_pem: c.keyPem,
        status: 'pending',
        replaces_id: c.replacesId ?? null,
        created_at: new Date().toISOString(),
        activated_at: null,
        renew_after: null,
        ari_window_start: null,
        ari_window_end: null,
        ari_checked_at: null,
        next_attempt_at: null,
        last_error: null,
        profile: c.profile ?? null,
      })
      .execute();
    return (await this.get(id))!;
  }

  async get(id: string): Promise<CertificateRecord | undefined> {
    const row = await this.db.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row as Row);
  }

  /** The certificate currently served for this name on this web server. */
  async active(webserver: string | null, name: string): Promise<CertificateRecord | undefined> {
    let q = this.db.selectFrom('certificates').selectAll().where('name', '=', name).where('status', '=', 'active');
    q = webserver === null ? q.where('webserver', 'is', null) : q.where('webserver', '=', webserver);
    const row = await q.orderBy('created_at', 'desc').executeTakeFirst();
    return row && toRecord(row as Row);
  }

  /**
   * Makes a pending certificate the served one: the previous active one for the same
   * (webserver, name) becomes history. `renewAfter` is when renewal becomes due.
   */
  async activate(id: string, renewAfter: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('certificates')
        .select(['name', 'webserver'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      let q = trx
        .updateTable('certificates')
        // A renewal's claim ends with it: the claims index keeps only running ones.
        .set({ status: 'replaced', claimed_by: null })
        .where('name', '=', row.name)
        .where('status', '=', 'active')
        .where('id', '!=', id);
      q = row.webserver === null ? q.where('webserver', 'is', null) : q.where('webserver', '=', row.webserver);
      await q.execute();
      await trx
        .updateTable('certificates')
        .set({
          status: 'active',
          activated_at: new Date().toISOString(),
          renew_after: renewAfter.toISOString(),
          renewal_failures: 0,
          next_attempt_at: null,
          claimed_by: null,
          last_error: null,
        })
        .where('id', '=', id)
        .execute();
    });
  }

  /** Puts a certificate back in a state (used when an activation is undone). */
  async setStatus(id: string, status: CertificateStatus): Promise<void> {
    await this.db.updateTable('certificates').set({ status }).where('id', '=', id).execute();
  }

  /** Marks a pending certificate as never served (its job was rolled back). */
  async abandon(id: string): Promise<void> {
    await this.db
      .updateTable('certificates')
      .set({ status: 'abandoned' })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  /**
   * A few certificates, newest first, at most `limit` (100): for lookups bounded by
   * nature (one name's history). Anything that may hold the whole fleet uses page().
   */
  async list(
    f: { tenantId?: string; status?: CertificateStatus; name?: string; limit?: number } = {},
  ): Promise<CertificateRecord[]> {
    return (await this.page({ ...f, limit: f.limit ?? DEFAULT_PAGE })).items;
  }

  /**
   * One page of certificates, newest first (created_at, then id), and the cursor of the
   * next: how the API and the CLI list a fleet of any size without a cut-off.
   */
  async page(
    f: { tenantId?: string; status?: CertificateStatus; name?: string } & PageRequest = {},
  ): Promise<Page<CertificateRecord>> {
    const limit = pageSize(f.limit);
    let q = this.db.selectFrom('certificates').selectAll();
    if (f.tenantId) q = q.where('tenant_id', '=', f.tenantId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.name) q = q.where('name', '=', f.name);
    if (f.cursor) {
      const [at, id] = decodeCursor(f.cursor, 2).map(String);
      q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', id)])]));
    }
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows as Row[], limit, (r) => [r.created_at, r.id], toRecord);
  }

  /**
   * One page of active certificates of these (ARI-capable) CAs whose renewalInfo was never
   * asked or is older than `checkedBefore`, by id: the ARI refresh walks the whole fleet with it.
   */
  async ariStale(checkedBefore: Date, cas: string[], f: PageRequest = {}): Promise<Page<CertificateRecord>> {
    const limit = pageSize(f.limit, 500);
    if (!cas.length) return { items: [], next: null };
    const before = checkedBefore.toISOString();
    let q = this.db
      .selectFrom('certificates')
      .selectAll()
      .where('status', '=', 'active')
      .where('ca', 'in', cas)
      .where((eb) => eb.or([eb('ari_checked_at', 'is', null), eb('ari_checked_at', '<', before)]));
    if (f.cursor) q = q.where('id', '>', String(decodeCursor(f.cursor, 1)[0]));
    const rows = await q
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    return toPage(rows as Row[], limit, (r) => [r.id], toRecord);
  }

  /** Takes the next due certificates for renewal until `until`, at most `limit` (see certificate-claims.ts). */
  claimDue(now: Date, until: Date, limit: number, by: ClaimBy = {}): Promise<CertificateRecord[]> {
    return claimDue(this.db, this.dialect, now, until, limit, by);
  }

  /** Gives back claimed certificates whose renewal never started: due again at once for any daemon. */
  releaseRenewals(ids: string[], until: Date, now: Date): Promise<void> {
    return releaseRenewals(this.db, ids, until, now);
  }

  /** Ends this holder's claims on certificates whose renewal ended (see certificate-claims.ts). */
  endClaims(ids: string[], holder: string): Promise<void> {
    return endClaims(this.db, ids, holder);
  }

  /** The holders of running renewal claims (see certificate-claims.ts). */
  claimHolders(now: Date): Promise<string[]> {
    return claimHolders(this.db, now);
  }

  /** Whether a due certificate is claimed by no one (given back, or just fallen due). */
  unclaimedDue(now: Date): Promise<boolean> {
    return unclaimedDue(this.db, now);
  }

  /** Records what the CA's renewalInfo said, and the renewal time chosen from it. */
  async setRenewalInfo(
    id: string,
    info: { window: { start: string; end: string } | null; renewAfter: Date; checkedAt: Date },
  ): Promise<void> {
    await this.db
      .updateTable('certificates')
      .set({
        ari_window_start: info.window?.start ?? null,
        ari_window_end: info.window?.end ?? null,
        ari_checked_at: info.checkedAt.toISOString(),
        renew_after: info.renewAfter.toISOString(),
      })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Takes these certificates' renewalInfo questions for one pass, atomically: each still
   * unchecked since `staleBefore` is marked checked at `now`, and the ids this caller got
   * are returned. Daemons sharing the store then ask the CA once per certificate, not once
   * each (three daemons and a million certificates: one million questions, not three).
   */
  async claimAriCheck(ids: string[], staleBefore: Date, now: Date): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const before = staleBefore.toISOString();
    const rows = await this.db
      .updateTable('certificates')
      .set({ ari_checked_at: now.toISOString() })
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('ari_checked_at', 'is', null), eb('ari_checked_at', '<', before)]))
      .returning('id')
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** Gives a claimed renewalInfo question back (the CA did not answer): the next pass asks again, as before the claim. */
  async releaseAriCheck(id: string, checkedAt: string | null): Promise<void> {
    await this.db.updateTable('certificates').set({ ari_checked_at: checkedAt }).where('id', '=', id).execute();
  }

  /**
   * The earliest moment the renewal schedule has work: a failed renewal's next try, or the
   * next certificate falling due after `now` (a 6-day one must not wait for a sparse schedule).
   */
  async nextWake(now: Date): Promise<Date | undefined> {
    const active = this.db.selectFrom('certificates').where('status', '=', 'active');
    const [retry, due] = await Promise.all([
      active
        .select('next_attempt_at as at')
        .where('renewal_failures', '>', 0)
        .where('next_attempt_at', 'is not', null)
        .orderBy('next_attempt_at')
        .executeTakeFirst(),
      active
        .select('renew_after as at')
        .where('renew_after', '>', now.toISOString())
        .where('next_attempt_at', 'is', null)
        .orderBy('renew_after')
        .executeTakeFirst(),
    ]);
    const times = [retry?.at, due?.at].flatMap((t) => (t ? [new Date(t).getTime()] : []));
    return times.length ? new Date(Math.min(...times)) : undefined;
  }

  /** Counts a failed renewal and when to try again, in one statement; the count after it. */
  async renewalFailed(id: string, error: string, nextAttemptAt: Date): Promise<number> {
    const row = await this.db
      .updateTable('certificates')
      .set((eb) => ({
        renewal_failures: eb('renewal_failures', '+', 1),
        last_error: error.slice(0, 2000),
        next_attempt_at: nextAttemptAt.toISOString(),
        // No longer a claim: a retry any daemon takes when its time comes.
        claimed_by: null,
      }))
      .where('id', '=', id)
      .returning('renewal_failures')
      .executeTakeFirstOrThrow();
    return Number(row.renewal_failures);
  }

  // --- ACME accounts -------------------------------------------------------------------

  async account(directoryUrl: string, keyThumbprint: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('acme_accounts')
      .select('account_url')
      .where('directory_url', '=', directoryUrl)
      .where('key_thumbprint', '=', keyThumbprint)
      .executeTakeFirst();
    return row?.account_url;
  }

  async saveAccount(a: { directoryUrl: string; keyThumbprint: string; ca: string; accountUrl: string }): Promise<void> {
    await this.db
      .insertInto('acme_accounts')
      .values({
        directory_url: a.directoryUrl,
        key_thumbprint: a.keyThumbprint,
        ca: a.ca,
        account_url: a.accountUrl,
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) =>
        oc.columns(['directory_url', 'key_thumbprint']).doUpdateSet({ account_url: a.accountUrl, ca: a.ca }),
      )
      .execute();
  }

  // --- failed-validation budget ----------------------------------------------------------

  async addValidationFailure(ca: string, name: string, detail: string): Promise<void> {
    await this.db
      .insertInto('acme_validation_failures')
      .values({ ca, name, at: new Date().toISOString(), detail: detail.slice(0, 1000) })
      .execute();
  }

  /** Times of this name's failed validations at this CA since `since`, oldest first. */
  async validationFailures(ca: string, name: string, since: Date): Promise<Date[]> {
    const rows = await this.db
      .selectFrom('acme_validation_failures')
      .select('at')
      .where('ca', '=', ca)
      .where('name', '=', name)
      .where('at', '>=', since.toISOString())
      .orderBy('at')
      .execute();
    return rows.map((r) => new Date(r.at));
  }
}
