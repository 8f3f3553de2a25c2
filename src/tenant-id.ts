/**
 * What a tenant id may be. It prefixes database names (`<tenant>_<name>`), so it holds no
 * `_`: the first underscore of a generated name then always ends the tenant part and no
 * two (tenant, name) pairs give the same database. Some words are reserved because
 * they name callers or namespaces elsewhere (idempotency keys, locks, audit subjects):
 * a tenant called `admin` must never be mistaken for the admins.
 */

/** 2 to 16 lower-case letters and digits, starting with a letter; no `_` (see above). */
export const TENANT_ID_PATTERN = /^[a-z][a-z0-9]{1,15}$/;

/** Ids no tenant may take. */
export const RESERVED_TENANT_IDS: ReadonlySet<string> = new Set([
  'admin',
  'admins',
  'root',
  'system',
  'serein',
  'client',
  'clients',
  'tenant',
  'tenants',
  'public',
  'anonymous',
  'none',
  'null',
  'undefined',
]);

/** Why `id` cannot be a tenant id, in words an admin can act on; undefined when it can. */
export function tenantIdProblem(id: string): string | undefined {
  if (!TENANT_ID_PATTERN.test(id))
    return 'a tenant id is 2 to 16 lower-case letters and digits, starting with a letter (it prefixes database names)';
  if (RESERVED_TENANT_IDS.has(id)) return `"${id}" is reserved; choose another tenant id`;
  return undefined;
}
