import { z } from 'zod';
import { defineAction } from '../engine/action.js';
import { generatePassword } from '../secrets.js';

/** Generates a password, registered as a secret before anything can print it. */
export const secretGenerate = defineAction({
  name: 'secret.generate',
  params: z.object({ length: z.number().int().min(24).max(128).default(32) }),
  async plan() {
    return [
      {
        kind: 'note',
        summary: {
          en: 'generate a password (shown once in the result)',
          fr: 'générer un mot de passe (affiché une seule fois dans le résultat)',
        },
      },
    ];
  },
  async run(ctx, p) {
    return { value: ctx.secrets.add(generatePassword(p.length)) };
  },
});
