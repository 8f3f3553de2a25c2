import type { Services } from '../engine/action.js';
import type { DatabaseRecord } from '../actions/database.js';
import { VHOST_KIND, type VhostData } from '../nginx/site.js';
import { diskNearQuota } from '../notify/disk-messages.js';
import { tenantQuota } from '../quotas.js';
import { SecretMasker } from '../secrets.js';
import { siteFolderBytes } from '../targets/site-archive.js';
import { ScheduledPass } from './scheduled-pass.js';

/** What one pass measured, for logs and tests. */
export interface UsageReport {
  measured: number;
  failed: string[];
  warned: string[];
}

const DAY_MS = 23 * 3_600_000; // at most one email a day (a pass a little early still counts as the next day)

/** The daemon's parts the usage pass reads sizes through, and the escalations it tells a client with. */
export type DiskUsageParts = Pick<
  Services,
  'config' | 'logger' | 'store' | 'nginx' | 'target' | 'databases' | 'escalations'
>;

/**
 * The disk usage pass: on `usage.schedule` (croner), each site's folder is measured by `du`
 * through its web server's target (entered as site folders are, links never followed) and
 * each database through SQL; the figures go to the store, where the page and GET /v1/usage
 * read them, so no request ever measures. A tenant past `usage.warnPercent` of its
 * `diskBytes` quota gets an email through the client notices, at most one a day.
 */
export class DiskUsageWatch extends ScheduledPass<UsageReport> {
  constructor(
    private readonly services: DiskUsageParts,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super('disk usage pass', services.logger, services.store.locks);
  }

  protected nothing() {
    return { measured: 0, failed: [], warned: [] };
  }

  protected schedule(): string | undefined {
    const cfg = this.services.config.usage;
    return cfg.enabled ? cfg.schedule : undefined;
  }

  /** One pass over every site and database. */
  protected async run(): Promise<UsageReport> {
    const { store, logger, config } = this.services;
    const report: UsageReport = { measured: 0, failed: [], warned: [] };
    const at = this.clock().toISOString();
    const seen = new Set<string>();
    const totals = new Map<string, number>();
    const count = (kind: string, name: string, tenantId: string, bytes: number) => {
      seen.add(`${kind}\n${name}`);
      totals.set(tenantId, (totals.get(tenantId) ?? 0) + bytes);
      report.measured++;
      return store.usage.put({ kind, name, tenantId, bytes, measuredAt: at });
    };
    for (const site of await store.tenants.listResources({ kind: VHOST_KIND })) {
      const data = site.data as unknown as VhostData;
      if (!data.root) continue;
      try {
        const ws = this.services.nginx.webserver(data.webserver);
        const bytes = await siteFolderBytes(this.services.target(ws.target), ws.webRoot, data.root);
        if (bytes !== undefined) await count(VHOST_KIND, site.name, site.tenantId, bytes);
      } catch (err) {
        report.failed.push(site.name);
        logger.warn({ site: site.name, err: (err as Error).message }, 'could not measure a site folder');
      }
    }
    const byServer = new Map<string, { name: string; tenantId: string; data: DatabaseRecord }[]>();
    for (const r of await store.tenants.listResources({ kind: 'database' })) {
      const data = r.data as unknown as DatabaseRecord;
      byServer.set(data.server, [...(byServer.get(data.server) ?? []), { name: r.name, tenantId: r.tenantId, data }]);
    }
    for (const [server, dbs] of byServer) {
      try {
        const s = await this.services.databases.open(server, new SecretMasker());
        try {
          for (const db of dbs) {
            const sql =
              s.engine === 'postgres'
                ? 'SELECT pg_database_size(CAST(? AS name))'
                : 'SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.TABLES WHERE table_schema = ?';
            const bytes = Number((await s.query(sql, [db.data.database]))[0]?.[0] ?? 0);
            await count('database', db.name, db.tenantId, bytes);
          }
        } finally {
          await s.close();
        }
      } catch (err) {
        report.failed.push(server);
        logger.warn({ server, err: (err as Error).message }, 'could not measure the databases of a server');
      }
    }
    // What no longer exists is no longer counted (a failed measure keeps its last figure).
    for (const f of await store.usage.list())
      if (
        !seen.has(`${f.kind}\n${f.name}`) &&
        !report.failed.includes(f.kind === VHOST_KIND ? f.name : f.name.split(':')[0])
      )
        await store.usage.remove(f.kind, f.name);
    for (const f of await store.usage.list())
      if (!seen.has(`${f.kind}\n${f.name}`)) totals.set(f.tenantId, (totals.get(f.tenantId) ?? 0) + f.bytes);
    for (const [tenantId, used] of totals) {
      const quota = tenantQuota(config, tenantId).diskBytes;
      if (!quota || used * 100 < quota * config.usage.warnPercent) continue;
      try {
        await this.services.escalations.tellClient(
          `disk-quota:${tenantId}`,
          tenantId,
          true,
          (lang) => diskNearQuota(lang, { used, quota }),
          DAY_MS,
        );
        report.warned.push(tenantId);
      } catch (err) {
        logger.warn(
          { tenant: tenantId, err: (err as Error).message },
          'could not email the client about its disk space',
        );
      }
    }
    logger.info(
      { usage: { measured: report.measured, failed: report.failed.length, warned: report.warned.length } },
      'disk usage pass done',
    );
    return report;
  }
}

/** The pass as the daemon starts it (src/daemon.ts). */
export function diskUsageWatch(engine: { services: DiskUsageParts }): DiskUsageWatch {
  return new DiskUsageWatch(engine.services);
}
