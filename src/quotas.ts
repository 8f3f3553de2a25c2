import type { Config } from './config/schema.js';
import type { Store } from './store/store.js';
import { quotaExceeded } from './errors.js';

/** What one tenant may have at once: the config's quotas, with that tenant's own overrides. */
export interface TenantQuota {
  runningJobs: number;
  vhosts: number;
  databases: number;
  diskBytes?: number;
}

/** The quota of one tenant (admins have none: callers only ask for clients). */
export function tenantQuota(config: Config, tenantId: string): TenantQuota {
  const { tenants, ...base } = config.quotas;
  return { ...base, ...tenants[tenantId] };
}

// tooManyJobs lives in the quota catalog; callers keep importing it from here.
export { tooManyJobs } from './quota-errors.js';

const WHAT = {
  vhosts: {
    one: { en: 'site', fr: 'site' },
    many: { en: 'sites', fr: 'sites' },
    remove: { en: 'a site', fr: 'un site' },
  },
  databases: {
    one: { en: 'database', fr: 'base de données' },
    many: { en: 'databases', fr: 'bases de données' },
    remove: { en: 'a database', fr: 'une base' },
  },
};

/**
 * Refuses a tenant's new site or database past its quota (409, like the per-server
 * database limit). `kind` is the resource kind the store records them under.
 */
export async function checkResourceQuota(
  services: { config: Config; store: Store },
  tenantId: string,
  quota: 'vhosts' | 'databases',
  kind: string,
): Promise<void> {
  const max = tenantQuota(services.config, tenantId)[quota];
  const have = (await services.store.tenants.listResources({ tenantId, kind })).length;
  if (have < max) return;
  const w = WHAT[quota];
  const noun = have === 1 ? w.one : w.many;
  throw quotaExceeded(
    {
      en: `Your account already has ${have} ${noun.en}, the most your plan allows.`,
      fr: `Votre compte a déjà ${have} ${noun.fr}, le maximum prévu par votre offre.`,
    },
    {
      en: `Remove ${w.remove.en} you no longer use, or ask your provider for a larger plan. Nothing was changed.`,
      fr: `Supprimez ${w.remove.fr} dont vous n'avez plus besoin, ou demandez une offre plus grande à votre hébergeur. Rien n'a été modifié.`,
    },
    `tenant ${tenantId}: ${have} ${kind} resources, quota ${quota} = ${max}`,
  );
}
