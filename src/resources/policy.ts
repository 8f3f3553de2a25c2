import type { Caller } from '../store/tokens.js';
import type { TenantStore } from '../store/tenants.js';
import { inputTypeOf, kindOf } from './index.js';

/**
 * What a caller wants to do with a thing:
 * - `use`: name it in an operation (run a playbook on this server, for this domain);
 * - `read`: look at it (diagnose a domain, see a site's settings);
 * - `manage`: change who has what (tenants, resources given, tokens): admins only.
 */
export type Verb = 'use' | 'read' | 'manage';

/** The thing: by kind and name (`vhost`, `shop.example.com`), or as an input type's value (`webserver`, `main`). */
export type Subject = { kind: string; name: string } | { inputType: string; name: string };

/** The caller a policy decision is about: an admin, a tenant's client, or the machine's own operator (local bootstrap). */
export type Actor = Pick<Caller, 'kind' | 'tenantId'>;

/**
 * The one tenancy policy. Admins may do everything. A client may use and read only what
 * its tenant owns, by the rule of the thing's kind (a domain and the names under it, a
 * server it was given, a record of its own), and manage nothing. A value that cannot
 * name a thing of its kind is nobody's. The engine (inputs marked `owned`), the doctor
 * and the admin service ask here.
 */
export async function can(tenants: TenantStore, caller: Actor, verb: Verb, subject: Subject): Promise<boolean> {
  if (caller.kind === 'admin') return true;
  if (verb === 'manage' || !caller.tenantId) return false;
  const kind =
    'kind' in subject ? kindOf(subject.kind) : (inputTypeOf(subject.inputType)?.kind ?? kindOf(subject.inputType));
  const key = kind?.key(subject.name);
  if (!kind || !key) return false;
  return kind.owns(tenants, caller.tenantId, key);
}
