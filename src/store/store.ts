import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.js';
import { AlertStore } from './alerts.js';
import { AuditStore } from './audit.js';
import { CertificateStore } from './certificates.js';
import { DriftStore } from './drift.js';
import { EscalationStore } from './escalations.js';
import { openDatabase, type Dialect } from './db.js';
import { JobStore } from './jobs.js';
import { LockStore } from './locks.js';
import { NoticeStore } from './notices.js';
import { OutboxStore } from './outbox.js';
import type { Database } from './schema.js';
import { TenantStore } from './tenants.js';
import { TokenStore } from './tokens.js';
import { TrashStore } from './trash.js';
import { UsageStore } from './usage.js';

/**
 * Everything serein remembers, behind one object. SQLite for one daemon, PostgreSQL
 * for several sharing the work; callers never see the difference.
 */
export class Store {
  readonly tenants: TenantStore;
  readonly tokens: TokenStore;
  readonly jobs: JobStore;
  readonly audit: AuditStore;
  readonly alerts: AlertStore;
  readonly certificates: CertificateStore;
  /** Locks held across every daemon sharing this store (one nginx changed by one daemon at a time). */
  readonly locks: LockStore;
  /** What clients were told, and when (one email per event). */
  readonly notices: NoticeStore;
  /** Stuck clients handed to admins (src/watch/escalations.ts). */
  readonly escalations: EscalationStore;
  /** What the daily drift watch found on certificates' names, until fixed. */
  readonly drift: DriftStore;
  /** Alerts, escalations and emails on their way out (src/notify/outbox.ts). */
  readonly outbox: OutboxStore;
  /** Copies of deleted databases and site files, restorable until they expire. */
  readonly trash: TrashStore;
  /** Each site's and database's last measured size. */
  readonly usage: UsageStore;

  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    config: Config['store'],
  ) {
    this.tenants = new TenantStore(db);
    this.tokens = new TokenStore(db);
    this.jobs = new JobStore(db, dialect);
    this.audit = new AuditStore(db);
    this.alerts = new AlertStore(db);
    this.certificates = new CertificateStore(db, dialect);
    this.locks = new LockStore(config, db);
    this.notices = new NoticeStore(db);
    this.escalations = new EscalationStore(db, dialect);
    this.drift = new DriftStore(db);
    this.outbox = new OutboxStore(db, dialect);
    this.trash = new TrashStore(db);
    this.usage = new UsageStore(db);
  }

  static async open(config: Config['store']): Promise<Store> {
    const { db, dialect } = await openDatabase(config);
    return new Store(db, dialect, config);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
