import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { defineAction } from '../engine/action.js';

// Letters and digits only: a generated password never needs quoting in any client or SQL literal.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** Generates a password, registered as a secret before anything can print it. */
export const secretGenerate = defineAction({
  name: 'secret.generate',
  params: z.object({ length: z.number().int().min(24).max(128).default(32) }),
  async plan() {
    return [{ kind: 'note', summary: { en: 'generate a password (shown once in the result)', fr: 'générer un mot de passe (affiché une seule fois dans le résultat)' } }];
  },
  async run(ctx, p) {
    const value = Array.from({ length: p.length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return { value: ctx.secrets.add(value) };
  },
});

/** Exposed for tests: the characters a generated password is made of. */
export const passwordAlphabet = ALPHABET;
