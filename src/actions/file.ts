import { z } from 'zod';
import { defineAction } from '../engine/action.js';
import { unifiedDiff } from '../diff.js';

const params = z.object({
  target: z.string().min(1),
  path: z
    .string()
    .regex(/^\/[^\0]*$/, 'an absolute path')
    .refine((p) => !p.split('/').includes('..'), 'no ".." in paths'),
  content: z.string(),
  mode: z
    .union([
      z.number().int(),
      z
        .string()
        .regex(/^0?[0-7]{3}$/)
        .transform((s) => parseInt(s, 8)),
    ])
    .default(0o644),
  owner: z.string().optional(),
});

interface Checkpoint {
  previous: string | null;
}

/** Writes a file atomically; undo puts back what was there before (or removes it). */
export const fileWrite = defineAction({
  name: 'file.write',
  params,
  async plan(ctx, p) {
    const before = (await ctx.services.target(p.target).readFile(p.path))?.toString('utf8');
    const diff = unifiedDiff(p.path, before, p.content);
    return [
      {
        kind: 'file',
        target: p.target,
        summary: diff
          ? { en: `write ${p.path}`, fr: `écrire ${p.path}` }
          : { en: `${p.path} already up to date`, fr: `${p.path} est déjà à jour` },
        diff,
      },
    ];
  },
  async run(ctx, p) {
    const target = ctx.services.target(p.target);
    const before = await target.readFile(p.path);
    if (before?.toString('utf8') === p.content) return { path: p.path, changed: false };
    await ctx.checkpoint({ previous: before ? before.toString('base64') : null } satisfies Checkpoint);
    await target.writeFile(p.path, p.content, { mode: p.mode, owner: p.owner });
    ctx.log(`wrote ${p.path}`);
    return { path: p.path, changed: true };
  },
  async compensate(ctx, p, checkpoint) {
    const cp = checkpoint as Checkpoint | undefined;
    if (!cp) return;
    const target = ctx.services.target(p.target);
    if (cp.previous === null) await target.remove(p.path);
    else await target.writeFile(p.path, Buffer.from(cp.previous, 'base64'), { mode: p.mode, owner: p.owner });
  },
});
