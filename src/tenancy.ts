import { z } from 'zod';
import { badRequest, notFound, OperationError } from './errors.js';
import { kindOf, resourceKinds } from './resources/index.js';
import { conflict } from './resources/kind.js';
import { can, type Actor } from './resources/policy.js';
import type { Store } from './store/store.js';
import type { Resource, Tenant } from './store/tenants.js';
import { tenantIdProblem } from './tenant-id.js';
import { describeIssues, issueFields, REPORT_INPUT } from './util/issues.js';

export { conflict } from './resources/kind.js';

/**
 * Who asks for an admin change: an admin token through the API, or the machine's own
 * operator making the first admin token on the local store (`serein token create --admin
 * --local`), which has no token and is audited as `local`.
 */
export interface AdminActor extends Actor {
  tokenId: string | null;
  via?: 'api' | 'local';
}

export const tenantBody = z
  .object({
    id: z.string().superRefine((id, c) => {
      const problem = tenantIdProblem(id);
      if (problem) c.addIssue({ code: 'custom', message: problem });
    }),
    name: z.string().min(1).max(200),
    language: z.enum(['en', 'fr']).default('en'),
    email: z
      .email()
      .max(254)
      .optional()
      .describe('where the client is told, in their language, when something needs them (config mail)'),
  })
  .strict();

/** What an admin gives a tenant; the kinds are the registry's (built-in and plug-ins'). */
export const resourceBody = () =>
  z
    .object({
      kind: z.enum(resourceKinds().map((k) => k.kind) as [string, ...string[]]),
      name: z.string().min(1).max(253),
      data: z.record(z.string(), z.unknown()).optional(),
    })
    .strict();

export const tokenBody = z
  .object({
    kind: z.enum(['admin', 'client']),
    tenantId: z.string().optional(),
    label: z.string().max(200).default(''),
  })
  .strict()
  .refine((t) => (t.kind === 'client') === !!t.tenantId, {
    message: 'a client token needs tenantId; an admin token takes none',
    params: { fr: 'un jeton client demande tenantId ; un jeton admin n’en prend pas' },
  });

/** A request that does not fit its schema: 400, every problem named (like the API's parseBody). */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? {}, REPORT_INPUT);
  if (r.success) return r.data;
  const list = describeIssues(r.error.issues);
  const err = badRequest(
    { en: `The request is not valid: ${list.en}.`, fr: `La requête n'est pas valide : ${list.fr}.` },
    {
      en: 'Fix the fields named above; /openapi.json describes every endpoint.',
      fr: 'Corrigez les champs nommés ci-dessus ; /openapi.json décrit chaque point d’accès.',
    },
  );
  err.fields = issueFields(r.error.issues);
  throw err;
}

/**
 * Admin changes (tenants, what they own, tokens), each validated, authorised by the
 * tenancy policy and audited, in one place. The API's admin routes call it; so does the
 * CLI's local bootstrap. Conflicts are told as such (409), never as a database error.
 */
export class AdminService {
  constructor(private readonly store: Store) {}

  private async authorise(actor: AdminActor, kind: string, name: string): Promise<void> {
    if (!(await can(this.store.tenants, actor, 'manage', { kind, name }))) throw notFound({ en: 'This', fr: 'Ceci' });
  }

  private audit(
    actor: AdminActor,
    e: { tenantId: string | null; action: string; subject: string; inputs?: unknown },
  ): Promise<unknown> {
    const inputs = actor.via === 'local' ? { ...(e.inputs as object | undefined), via: 'local' } : e.inputs;
    return this.store.audit.append({
      tokenId: actor.tokenId,
      tenantId: e.tenantId,
      action: e.action,
      subject: e.subject,
      inputs,
      plan: undefined,
      result: 'succeeded',
      detail: undefined,
    });
  }

  private async tenant(id: string): Promise<Tenant> {
    const t = await this.store.tenants.get(id);
    if (!t) throw notFound({ en: `Tenant ${id}`, fr: `Le client ${id}` });
    return t;
  }

  async createTenant(actor: AdminActor, raw: unknown): Promise<Tenant> {
    const body = parse(tenantBody, raw);
    await this.authorise(actor, 'tenant', body.id);
    const taken = () => conflict(`Tenant ${body.id}`);
    if (await this.store.tenants.get(body.id)) throw taken();
    let tenant: Tenant;
    try {
      tenant = await this.store.tenants.create(body);
    } catch (err) {
      // Another admin created it between the check and the insert: the same conflict.
      if (await this.store.tenants.get(body.id)) throw taken();
      throw err;
    }
    await this.audit(actor, { tenantId: tenant.id, action: 'tenant.create', subject: tenant.id, inputs: body });
    return tenant;
  }

  /**
   * Gives a tenant a domain, server or other resource, by the rules of its kind: a domain
   * and every name under it belong to one tenant only; servers are shared.
   */
  async giveResource(actor: AdminActor, tenantId: string, raw: unknown): Promise<Resource> {
    const body = parse(resourceBody(), raw);
    await this.authorise(actor, body.kind, body.name);
    await this.tenant(tenantId);
    const kind = kindOf(body.kind)!;
    const key = kind.key(body.name);
    let resource: Resource;
    try {
      resource = await kind.give(this.store.tenants, tenantId, body.name, body.data);
    } catch (err) {
      // A concurrent give won the race: say so rather than pass on the store's refusal.
      if (!(err instanceof OperationError) && key && (await kind.owns(this.store.tenants, tenantId, key)))
        throw conflict(`${body.kind} ${key}`);
      throw err;
    }
    await this.audit(actor, {
      tenantId,
      action: 'resource.add',
      subject: `${resource.kind}:${resource.name}`,
      inputs: body,
    });
    return resource;
  }

  /** Takes a resource away from a tenant; changes nothing on servers. */
  async takeResource(actor: AdminActor, tenantId: string, kindName: string, name: string): Promise<void> {
    await this.authorise(actor, kindName, name);
    const kind = kindOf(kindName);
    if (!kind || !(await kind.take(this.store.tenants, tenantId, name)))
      throw notFound({ en: `${kindName} ${name}`, fr: `${kindName} ${name}` });
    await this.audit(actor, { tenantId, action: 'resource.remove', subject: `${kind.kind}:${name}` });
  }

  /** A token, shown once here and stored hashed. */
  async createToken(actor: AdminActor, raw: unknown): Promise<{ id: string; token: string }> {
    const body = parse(tokenBody, raw);
    await this.authorise(actor, 'token', body.label);
    if (body.tenantId) await this.tenant(body.tenantId);
    const created = await this.store.tokens.create(body.kind, body.tenantId ?? null, body.label);
    await this.audit(actor, {
      tenantId: body.tenantId ?? null,
      action: 'token.create',
      subject: created.id,
      inputs: { kind: body.kind, label: body.label },
    });
    return { id: created.id, token: created.token };
  }

  async revokeToken(actor: AdminActor, id: string): Promise<void> {
    await this.authorise(actor, 'token', id);
    if (!(await this.store.tokens.revoke(id))) throw notFound({ en: `Token ${id}`, fr: `Le jeton ${id}` });
    await this.audit(actor, { tenantId: null, action: 'token.revoke', subject: id });
  }
}
