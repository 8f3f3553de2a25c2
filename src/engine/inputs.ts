import { z } from 'zod';
import { invalidInput, OperationError } from '../errors.js';
import { inputTypeOf, kindInputTypes, registryVersion } from '../resources/index.js';
import { configuredName, invalidInput as invalid, text } from '../resources/kind.js';

const localized = z.object({ en: z.string().min(1), fr: z.string().min(1) }).strict();

const base = {
  description: localized.optional(),
  /** What a client reads instead of `description` (plain words, no jargon); without it, clients read `description`. */
  client: localized
    .optional()
    .describe(
      'What a client reads instead of description: plain words, no jargon. Without it, clients read description.',
    ),
  required: z.boolean().optional(),
  /** For clients: the value must name something their tenant owns (a domain, a server...). */
  owned: z.boolean().default(false),
  /** Only admins may set it (e.g. which tenant a database is for); a client naming it is refused. */
  admin: z.boolean().default(false),
  /** Clients must type here the value of the input it names (a site's name before removing it): see src/engine/typed-name.ts. */
  confirms: z.string().optional(),
};

/** The input types the engine knows itself; the others come from the resource kinds (src/resources). */
const genericSpecs = [
  z
    .object({
      ...base,
      type: z.literal('identifier'),
      pattern: z.string().default('^[a-z][a-z0-9_]{0,31}$'),
      default: z.string().optional(),
    })
    .strict(),
  z
    .object({ ...base, type: z.literal('enum'), values: z.array(z.string()).min(1), default: z.string().optional() })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('integer'),
      min: z.number().int().optional(),
      max: z.number().int().optional(),
      default: z.number().int().optional(),
    })
    .strict(),
  z.object({ ...base, type: z.literal('boolean'), default: z.boolean().optional() }).strict(),
  z
    .object({
      ...base,
      type: z.literal('string'),
      pattern: z.string(),
      maxLength: z.number().int().min(1).default(255),
      default: z.string().optional(),
    })
    .strict(),
  z.object({ ...base, type: z.literal('path'), default: z.string().optional() }).strict(),
  z
    .object({
      ...base,
      type: z.literal('url'),
      schemes: z.array(z.string()).default(['http', 'https']),
      default: z.string().optional(),
    })
    .strict(),
] as const;
type GenericSpec = z.output<(typeof genericSpecs)[number]>;

/** An input of a type a resource kind declares (domain, webserver, a plug-in's mailbox...): the common fields and the kind's options. */
export type KindInputSpec = z.output<z.ZodObject<typeof base>> & {
  type: string;
  default?: unknown;
  [option: string]: unknown;
};
export type InputSpec = GenericSpec | KindInputSpec;

const GENERIC = new Set<string>(genericSpecs.map((s) => s.shape.type.value));
const isGeneric = (spec: InputSpec): spec is GenericSpec => GENERIC.has(spec.type);

let built: { version: number; schema: z.ZodType<InputSpec> } | undefined;

/** One strict object per type, generic ones and every registered kind's, rebuilt when a kind is registered. */
function currentSchema(): z.ZodType<InputSpec> {
  if (built?.version !== registryVersion()) {
    const kindSpecs = kindInputTypes().map((t) =>
      z.object({ ...base, type: z.literal(t.type), ...t.options }).strict(),
    );
    const [first, ...rest] = [...kindSpecs, ...genericSpecs];
    built = {
      version: registryVersion(),
      schema: z.discriminatedUnion('type', [first, ...rest]) as unknown as z.ZodType<InputSpec>,
    };
  }
  return built.schema;
}

/** How a playbook declares one input. Every type is strict: what is not allowed is refused. */
export const inputSpecSchema: z.ZodType<InputSpec> = z.lazy(currentSchema);

/** Names of configured things an input may refer to, so a typo is caught before anything runs. */
export interface InputWorld {
  /** The names declared in a config section (targets, webservers, databases...). */
  names(section: string): string[];
}

/** Validates one value; values from the CLI or a form arrive as strings and are converted here. */
function validateOne(field: string, spec: InputSpec, value: unknown, world: InputWorld): unknown {
  if (!isGeneric(spec)) {
    const entry = inputTypeOf(spec.type);
    if (!entry) throw new Error(`input "${field}": no resource kind declares the type "${spec.type}"`);
    return entry.input.validate(value, spec, { field, names: (section) => world.names(section) });
  }
  const str = () => text(value, field);
  switch (spec.type) {
    case 'identifier': {
      const v = str();
      if (!new RegExp(spec.pattern).test(v)) {
        // A name to copy rather than a pattern: clients do not read regular expressions.
        const good = suggestIdentifier(v, spec.pattern);
        const err = invalid(field, `"${v}" is not an allowed name.`, `« ${v} » n'est pas un nom autorisé.`, {
          en: `Use lower-case letters, digits and underscores, starting with a letter${good ? `, for example "${good}"` : ''}.`,
          fr: `Utilisez des minuscules, chiffres et soulignés, en commençant par une lettre${good ? `, par exemple « ${good} »` : ''}.`,
        });
        throw err.with({ detail: `pattern ${spec.pattern}` });
      }
      return v;
    }
    case 'enum':
      return configuredName(value, { field, names: () => spec.values }, 'values', { en: 'choice', fr: 'un choix' });
    case 'integer': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      if (
        typeof n !== 'number' ||
        !Number.isInteger(n) ||
        (spec.min !== undefined && n < spec.min) ||
        (spec.max !== undefined && n > spec.max)
      ) {
        const range = `${spec.min ?? '-∞'}..${spec.max ?? '∞'}`;
        throw invalid(field, `must be a whole number in ${range}.`, `doit être un nombre entier dans ${range}.`, {
          en: `Send a number in ${range}.`,
          fr: `Envoyez un nombre dans ${range}.`,
        });
      }
      return n;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'yes') return true;
      if (value === 'false' || value === 'no') return false;
      throw invalid(field, 'must be true or false.', 'doit être true ou false.', {
        en: 'Send true or false.',
        fr: 'Envoyez true ou false.',
      });
    }
    case 'string': {
      const v = str();
      if (v.length > spec.maxLength || !new RegExp(spec.pattern).test(v)) {
        const err = invalid(field, 'has a format that is not allowed.', "a un format qui n'est pas autorisé.", {
          en: `Check what you typed (at most ${spec.maxLength} characters), or ask your provider which values it takes.`,
          fr: `Vérifiez ce que vous avez saisi (${spec.maxLength} caractères au plus), ou demandez à votre hébergeur quelles valeurs il accepte.`,
        });
        throw err.with({ detail: `must match ${spec.pattern}` });
      }
      return v;
    }
    case 'path': {
      const v = str();
      if (!/^\/[A-Za-z0-9._/-]*$/.test(v) || v.split('/').some((p) => p === '..' || p === '.') || v.length > 1024) {
        throw invalid(
          field,
          `"${v}" is not an allowed folder path.`,
          `« ${v} » n'est pas un chemin de dossier autorisé.`,
          {
            en: 'Use an absolute path made of letters, digits, dots, dashes and underscores, without "..".',
            fr: 'Utilisez un chemin absolu fait de lettres, chiffres, points, tirets et soulignés, sans « .. ».',
          },
        );
      }
      return v.length > 1 ? v.replace(/\/+$/, '') : v;
    }
    case 'url': {
      const v = str();
      let url: URL | undefined;
      try {
        url = new URL(v);
      } catch {
        url = undefined;
      }
      if (!url || !spec.schemes.includes(url.protocol.replace(':', '')) || /[\s;{}'"\\$`]/.test(v)) {
        throw invalid(field, `"${v}" is not an allowed address.`, `« ${v} » n'est pas une adresse autorisée.`, {
          en: `Use a ${spec.schemes.join(' or ')} address like http://127.0.0.1:3000.`,
          fr: `Utilisez une adresse ${spec.schemes.join(' ou ')} comme http://127.0.0.1:3000.`,
        });
      }
      return url.toString().replace(/\/$/, '');
    }
  }
}

/** Several invalid inputs as one 400 listing them all, so a caller fixes everything in one go. */
function allProblems(problems: OperationError[]): OperationError {
  if (problems.length === 1) return problems[0];
  const join = (pick: (e: OperationError) => string) => [...new Set(problems.map(pick))].join(' ');
  return invalidInput(
    { en: join((e) => e.userMessage.en), fr: join((e) => e.userMessage.fr) },
    { en: join((e) => e.hint.en), fr: join((e) => e.hint.fr) },
    problems.flatMap((e) => e.fields ?? []),
  );
}

/**
 * Validates request inputs against a playbook's declarations: unknown inputs are
 * refused, missing ones get their default or an error, every value is typed. Every
 * problem is reported at once, not only the first.
 */
export function validateInputs(
  specs: Record<string, InputSpec>,
  raw: Record<string, unknown>,
  world: InputWorld,
): Record<string, unknown> {
  const problems: OperationError[] = [];
  // Own keys only: `in` would take "constructor" or "toString" for declared inputs.
  const unknown = Object.keys(raw).filter((k) => !Object.hasOwn(specs, k));
  if (unknown.length > 0) {
    const accepts = {
      en: `This operation accepts: ${Object.keys(specs).join(', ')}.`,
      fr: `Cette opération accepte : ${Object.keys(specs).join(', ')}.`,
    };
    problems.push(
      invalidInput(
        { en: `Unknown input: ${unknown.join(', ')}.`, fr: `Champ inconnu : ${unknown.join(', ')}.` },
        accepts,
        unknown.map((name) => ({
          name: `inputs.${name}`,
          message: {
            en: `is not an input of this operation. ${accepts.en}`,
            fr: `n’est pas un champ de cette opération. ${accepts.fr}`,
          },
        })),
      ),
    );
  }
  const out: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(specs)) {
    const value = (Object.hasOwn(raw, field) ? raw[field] : undefined) ?? spec.default;
    if (value === undefined || value === '') {
      if (spec.required === false) continue;
      const what = spec.description ?? { en: spec.type, fr: spec.type };
      problems.push(
        invalid(field, 'is required.', 'est obligatoire.', {
          en: `Provide ${field} (${what.en}).`,
          fr: `Indiquez ${field} (${what.fr}).`,
        }),
      );
      continue;
    }
    try {
      out[field] = validateOne(field, spec, value, world);
    } catch (err) {
      if (!(err instanceof OperationError) || err.code !== 'invalid_input') throw err;
      // A plug-in's kind may refuse a value without naming the field for a form: named here.
      err.fields ??= [
        {
          name: `inputs.${field}`,
          message: { en: `${err.userMessage.en} ${err.hint.en}`, fr: `${err.userMessage.fr} ${err.hint.fr}` },
        },
      ];
      problems.push(err);
    }
  }
  if (problems.length) throw allProblems(problems);
  return out;
}

/**
 * A valid name close to a refused one ("Ma Boutique!" → "ma_boutique"), for a client to
 * copy; undefined when none fits the pattern.
 */
function suggestIdentifier(value: string, pattern: string): string | undefined {
  const base = value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 32)
    .replace(/_+$/, '');
  return base && new RegExp(pattern).test(base) ? base : undefined;
}
