import { z } from 'zod';
import { defineAction } from '../engine/action.js';

const params = z.object({
  kind: z.string().regex(/^[a-z][a-z0-9-]*$/),
  name: z.string().min(1),
  data: z.record(z.string(), z.unknown()).default({}),
});

interface Checkpoint {
  previous: { tenantId: string; data: Record<string, unknown> } | null;
}

/** Records what an operation created as owned by the job's tenant. The last step, after every probe passed. */
export const resourceRecord = defineAction({
  name: 'resource.record',
  params,
  async plan(ctx, p) {
    return [
      {
        kind: 'record',
        summary: {
          en: `record ${p.kind} ${p.name} for ${ctx.tenantId ?? 'admin'}`,
          fr: `enregistrer ${p.kind} ${p.name} au nom de ${ctx.tenantId ?? "l'administrateur"}`,
        },
      },
    ];
  },
  async run(ctx, p) {
    const tenants = ctx.services.store.tenants;
    const prev = await tenants.getResource(p.kind, p.name);
    await ctx.checkpoint({ previous: prev ? { tenantId: prev.tenantId, data: prev.data } : null } satisfies Checkpoint);
    await tenants.putResource({
      kind: p.kind,
      name: p.name,
      tenantId: ctx.tenantId ?? prev?.tenantId ?? 'admin',
      data: p.data,
    });
  },
  async compensate(ctx, p, checkpoint) {
    const cp = checkpoint as Checkpoint | undefined;
    if (!cp) return;
    const tenants = ctx.services.store.tenants;
    if (cp.previous) await tenants.putResource({ kind: p.kind, name: p.name, ...cp.previous });
    else await tenants.removeResource(p.kind, p.name);
  },
});

/** Forgets a resource that an operation removed; undo restores the record. */
export const resourceForget = defineAction({
  name: 'resource.forget',
  params: params.omit({ data: true }),
  async plan(_ctx, p) {
    return [
      {
        kind: 'record',
        summary: { en: `forget ${p.kind} ${p.name}`, fr: `retirer ${p.kind} ${p.name} de la liste de vos ressources` },
      },
    ];
  },
  async run(ctx, p) {
    const tenants = ctx.services.store.tenants;
    const prev = await tenants.getResource(p.kind, p.name);
    await ctx.checkpoint({ previous: prev ? { tenantId: prev.tenantId, data: prev.data } : null } satisfies Checkpoint);
    await tenants.removeResource(p.kind, p.name);
  },
  async compensate(ctx, p, checkpoint) {
    const cp = checkpoint as Checkpoint | undefined;
    if (cp?.previous) await ctx.services.store.tenants.putResource({ kind: p.kind, name: p.name, ...cp.previous });
  },
});
