import type { Services } from '../engine/action.js';
import { trashTarget } from '../targets/trash-place.js';
import { ScheduledPass } from './scheduled-pass.js';

/** What one purge pass removed, for logs and tests. */
export interface PurgeReport {
  purged: string[];
  failed: string[];
}

/** The daemon's parts the purge uses: the trash's records, its schedule, and the targets the copies sit on. */
export type TrashPurgeParts = Pick<Services, 'config' | 'logger' | 'store' | 'target'>;

/**
 * The trash's purge: on `trash.purgeSchedule` (croner), every copy older than
 * `trash.keepDays` is removed from its target and from the store, each one audited
 * (`trash.purge`). It tells nobody else: no alert, no email; a copy that cannot be
 * removed stays recorded and is tried again at the next pass (its failure audited too).
 */
export class TrashPurge extends ScheduledPass<PurgeReport> {
  constructor(
    private readonly services: TrashPurgeParts,
    private readonly clock: () => Date = () => new Date(),
  ) {
    super('trash purge', services.logger, services.store.locks);
  }

  protected nothing() {
    return { purged: [], failed: [] };
  }

  protected schedule(): string {
    return this.services.config.trash.purgeSchedule;
  }

  protected async run(): Promise<PurgeReport> {
    const { store, logger } = this.services;
    const report: PurgeReport = { purged: [], failed: [] };
    for (const item of await store.trash.expired(this.clock().toISOString())) {
      const detail = {
        id: item.id,
        kind: item.kind,
        name: item.name,
        bytes: item.bytes,
        deletedAt: item.createdAt,
        expiresAt: item.expiresAt,
        target: item.target,
        file: item.file,
      };
      const audit = (result: 'purged' | 'failed', more: Record<string, unknown> = {}) =>
        store.audit.append({
          tokenId: null,
          tenantId: item.tenantId,
          action: 'trash.purge',
          subject: `${item.kind}:${item.name}`,
          inputs: undefined,
          plan: undefined,
          result,
          detail: { ...detail, ...more },
        });
      try {
        await trashTarget((n) => this.services.target(n), item.target).remove(item.file);
        await store.trash.remove(item.id);
        await audit('purged');
        report.purged.push(item.id);
      } catch (err) {
        logger.warn(
          { trash: item.id, err: (err as Error).message },
          'could not purge a copy from the trash; trying again next pass',
        );
        await audit('failed', { error: (err as Error).message });
        report.failed.push(item.id);
      }
    }
    if (report.purged.length || report.failed.length)
      logger.info({ trash: { purged: report.purged.length, failed: report.failed.length } }, 'trash purge pass done');
    return report;
  }
}

/** The purge as the daemon starts it (src/daemon.ts). */
export function trashPurge(engine: { services: TrashPurgeParts }): TrashPurge {
  return new TrashPurge(engine.services);
}
