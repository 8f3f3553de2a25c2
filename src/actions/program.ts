import { z } from 'zod';
import { programFailed } from './program-errors.js';
import { defineAction } from '../engine/action.js';

const params = z.object({
  target: z.string().min(1),
  argv: z.array(z.string()).min(1),
  stdin: z.string().optional(),
  timeoutSeconds: z.number().int().min(1).max(3600).default(60),
  /** Exit codes that count as success. */
  okCodes: z.array(z.number().int()).default([0]),
});

/**
 * Runs a program on a target with an argv array: each rendered value is one argument,
 * whatever characters it holds. Undo is declared in the playbook (`compensate:`).
 */
export const programRun = defineAction({
  name: 'program.run',
  params,
  async plan(_ctx, p) {
    return [
      {
        kind: 'program',
        target: p.target,
        summary: { en: `run ${p.argv[0]}`, fr: `exécuter ${p.argv[0]}` },
        argv: p.argv,
      },
    ];
  },
  async run(ctx, p) {
    const res = await ctx.services.target(p.target).run(p.argv, { stdin: p.stdin, timeoutMs: p.timeoutSeconds * 1000 });
    ctx.log(`${p.argv[0]} exited with ${res.code}`, {
      stdout: res.stdout.slice(-4000),
      stderr: res.stderr.slice(-4000),
    });
    if (!p.okCodes.includes(res.code)) {
      throw programFailed(
        `${p.argv.join(' ')} exited with ${res.code}: ${ctx.secrets.mask(res.stderr.trim().slice(-2000))}`,
      );
    }
    return { code: res.code, stdout: res.stdout, stderr: res.stderr };
  },
});
