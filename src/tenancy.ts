import { OperationError } from './errors.js';
import { notFound } from './engine/engine.js';
import { parseDomain } from './dns/domain.js';
import type { Store } from './store/store.js';
import type { Resource } from './store/tenants.js';

/**
 * Gives a tenant a domain, server or other resource, refusing what would let two
 * tenants share a name: a domain and every name under it belong to one tenant only.
 * Servers are the exception: many tenants are given the same one.
 * The API and the CLI both go through here.
 */
export async function giveResource(store: Store, tenantId: string, r: { kind: string; name: string; data?: Record<string, unknown> }): Promise<Resource> {
  if (!(await store.tenants.get(tenantId))) throw notFound({ en: `Tenant ${tenantId}`, fr: `Le client ${tenantId}` });
  if (r.kind === 'server') {
    // Servers are shared: giving one to a tenant lets them run operations on it.
    if (!(await store.tenants.grantServer(tenantId, r.name))) throw conflict(`server ${r.name} for ${tenantId}`);
    return { kind: 'server', name: r.name, tenantId, data: {}, createdAt: new Date().toISOString() };
  }
  const name = r.kind === 'domain' ? parseDomain(r.name, false) : r.name;
  if (r.kind === 'domain') {
    const owner = await store.tenants.domainOwner(name);
    const below = (await store.tenants.listResources({ kind: 'domain' })).find((d) => d.name.endsWith(`.${name}`) && d.tenantId !== tenantId);
    const other = owner && owner !== tenantId ? owner : below?.tenantId;
    if (other) {
      throw new OperationError(
        'conflict',
        { en: `The domain ${name} already belongs to another tenant.`, fr: `Le domaine ${name} appartient déjà à un autre client.` },
        { en: 'A domain, and every name under it, belongs to one tenant only.', fr: 'Un domaine, et tous les noms en dessous, appartiennent à un seul client.' },
        `owned by ${other}`,
        409,
      );
    }
  }
  if (await store.tenants.getResource(r.kind, name)) throw conflict(`${r.kind} ${name}`);
  return store.tenants.addResource({ kind: r.kind, name, tenantId, data: r.data });
}

/** 409 for a name already taken. */
export const conflict = (what: string) =>
  new OperationError('conflict', { en: `${what} already exists.`, fr: `${what} existe déjà.` }, { en: 'Use another name, or remove the existing one first.', fr: "Utilisez un autre nom, ou supprimez d'abord l'existant." }, undefined, 409);
