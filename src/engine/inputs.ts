import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDomain } from '../dns/domain.js';
import { OperationError, type Localized } from '../errors.js';

const localized = z.object({ en: z.string().min(1), fr: z.string().min(1) }).strict();

const base = {
  description: localized.optional(),
  required: z.boolean().optional(),
  /** For clients: the value must name something their tenant owns (a domain, a server...). */
  owned: z.boolean().default(false),
  /** Only admins may set it (e.g. which tenant a database is for); a client naming it is refused. */
  admin: z.boolean().default(false),
};

/** How a playbook declares one input. Every type is strict: what is not allowed is refused. */
export const inputSpecSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('domain'), wildcard: z.boolean().default(false), default: z.string().optional() }).strict(),
  z
    .object({
      ...base,
      type: z.literal('domains'),
      wildcard: z.boolean().default(false),
      min: z.number().int().min(0).default(1),
      max: z.number().int().min(1).default(100),
      default: z.array(z.string()).optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('identifier'),
      pattern: z.string().default('^[a-z][a-z0-9_]{0,31}$'),
      default: z.string().optional(),
    })
    .strict(),
  z.object({ ...base, type: z.literal('enum'), values: z.array(z.string()).min(1), default: z.string().optional() }).strict(),
  z.object({ ...base, type: z.literal('integer'), min: z.number().int().optional(), max: z.number().int().optional(), default: z.number().int().optional() }).strict(),
  z.object({ ...base, type: z.literal('boolean'), default: z.boolean().optional() }).strict(),
  z.object({ ...base, type: z.literal('string'), pattern: z.string(), maxLength: z.number().int().min(1).default(255), default: z.string().optional() }).strict(),
  z.object({ ...base, type: z.literal('path'), default: z.string().optional() }).strict(),
  z.object({ ...base, type: z.literal('url'), schemes: z.array(z.string()).default(['http', 'https']), default: z.string().optional() }).strict(),
  z.object({ ...base, type: z.literal('target'), default: z.string().optional() }).strict(),
  z.object({ ...base, type: z.literal('webserver'), default: z.string().optional() }).strict(),
  z.object({ ...base, type: z.literal('database-server'), default: z.string().optional() }).strict(),
]);
export type InputSpec = z.output<typeof inputSpecSchema>;

/** Names of configured things an input may refer to, so a typo is caught before anything runs. */
export interface InputWorld { targets: string[]; webservers: string[]; databaseServers: string[] }

function invalid(field: string, en: string, fr: string, hint: Localized): OperationError {
  return new OperationError('invalid_input', { en: `Input "${field}": ${en}`, fr: `Champ « ${field} » : ${fr}` }, hint, undefined, 400);
}

/** Validates one value; values from the CLI or a form arrive as strings and are converted here. */
function validateOne(field: string, spec: InputSpec, value: unknown, world: InputWorld): unknown {
  const wrap = (fn: () => unknown) => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof OperationError && err.code === 'invalid_domain') {
        throw new OperationError('invalid_input', { en: `Input "${field}": ${err.userMessage.en}`, fr: `Champ « ${field} » : ${err.userMessage.fr}` }, err.hint, undefined, 400);
      }
      throw err;
    }
  };
  const str = () => {
    if (typeof value !== 'string') throw invalid(field, 'must be text.', 'doit être du texte.', { en: 'Send a string.', fr: 'Envoyez du texte.' });
    return value;
  };
  const oneOf = (names: string[], what: Localized) => {
    const v = str();
    if (!names.includes(v)) {
      throw invalid(field, `"${v}" is not a known ${what.en}.`, `« ${v} » n'est pas ${what.fr} connu.`, {
        en: `Use one of: ${names.join(', ') || '(none configured)'}.`,
        fr: `Utilisez l'un de : ${names.join(', ') || '(aucun configuré)'}.`,
      });
    }
    return v;
  };
  switch (spec.type) {
    case 'domain':
      return wrap(() => parseDomain(str(), spec.wildcard));
    case 'domains': {
      const list = typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value;
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
        throw invalid(field, 'must be a list of domain names.', 'doit être une liste de noms de domaine.', { en: 'Send ["a.example.com", "b.example.com"] or "a.example.com,b.example.com".', fr: 'Envoyez ["a.exemple.fr", "b.exemple.fr"] ou "a.exemple.fr,b.exemple.fr".' });
      }
      const names = [...new Set(list.map((d) => wrap(() => parseDomain(d as string, spec.wildcard)) as string))];
      if (names.length < spec.min || names.length > spec.max) {
        throw invalid(field, `needs between ${spec.min} and ${spec.max} names, got ${names.length}.`, `demande entre ${spec.min} et ${spec.max} noms, reçu ${names.length}.`, { en: 'Split the request or add names.', fr: 'Découpez la demande ou ajoutez des noms.' });
      }
      return names;
    }
    case 'identifier': {
      const v = str();
      if (!new RegExp(spec.pattern).test(v)) {
        throw invalid(field, `"${v}" is not an allowed name.`, `« ${v} » n'est pas un nom autorisé.`, {
          en: `Use lower-case letters, digits and underscores, starting with a letter (pattern ${spec.pattern}).`,
          fr: `Utilisez des minuscules, chiffres et soulignés, en commençant par une lettre (motif ${spec.pattern}).`,
        });
      }
      return v;
    }
    case 'enum':
      return oneOf(spec.values, { en: 'choice', fr: 'un choix' });
    case 'integer': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        const range = `${spec.min ?? '-∞'}..${spec.max ?? '∞'}`;
        throw invalid(field, `must be a whole number in ${range}.`, `doit être un nombre entier dans ${range}.`, { en: `Send a number in ${range}.`, fr: `Envoyez un nombre dans ${range}.` });
      }
      return n;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'yes') return true;
      if (value === 'false' || value === 'no') return false;
      throw invalid(field, 'must be true or false.', 'doit être true ou false.', { en: 'Send true or false.', fr: 'Envoyez true ou false.' });
    }
    case 'string': {
      const v = str();
      if (v.length > spec.maxLength || !new RegExp(spec.pattern).test(v)) {
        throw invalid(field, 'has a format that is not allowed.', "a un format qui n'est pas autorisé.", { en: `It must match ${spec.pattern}, at most ${spec.maxLength} characters.`, fr: `Il doit respecter ${spec.pattern}, ${spec.maxLength} caractères au plus.` });
      }
      return v;
    }
    case 'path': {
      const v = str();
      if (!/^\/[A-Za-z0-9._\/-]*$/.test(v) || v.split('/').some((p) => p === '..' || p === '.') || v.length > 1024) {
        throw invalid(field, `"${v}" is not an allowed folder path.`, `« ${v} » n'est pas un chemin de dossier autorisé.`, { en: 'Use an absolute path made of letters, digits, dots, dashes and underscores, without "..".', fr: 'Utilisez un chemin absolu fait de lettres, chiffres, points, tirets et soulignés, sans « .. ».' });
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
        throw invalid(field, `"${v}" is not an allowed address.`, `« ${v} » n'est pas une adresse autorisée.`, { en: `Use a ${spec.schemes.join(' or ')} address like http://127.0.0.1:3000.`, fr: `Utilisez une adresse ${spec.schemes.join(' ou ')} comme http://127.0.0.1:3000.` });
      }
      return url.toString().replace(/\/$/, '');
    }
    case 'target':
      return oneOf(world.targets, { en: 'server', fr: 'un serveur' });
    case 'webserver':
      return oneOf(world.webservers, { en: 'web server', fr: 'un serveur web' });
    case 'database-server':
      return oneOf(world.databaseServers, { en: 'database server', fr: 'un serveur de bases de données' });
  }
}

/**
 * Validates request inputs against a playbook's declarations: unknown inputs are
 * refused, missing ones get their default or an error, every value is typed.
 */
export function validateInputs(specs: Record<string, InputSpec>, raw: Record<string, unknown>, world: InputWorld): Record<string, unknown> {
  // Own keys only: `in` would take "constructor" or "toString" for declared inputs.
  const unknown = Object.keys(raw).filter((k) => !Object.hasOwn(specs, k));
  if (unknown.length > 0) {
    throw new OperationError(
      'invalid_input',
      { en: `Unknown input: ${unknown.join(', ')}.`, fr: `Champ inconnu : ${unknown.join(', ')}.` },
      { en: `This operation accepts: ${Object.keys(specs).join(', ')}.`, fr: `Cette opération accepte : ${Object.keys(specs).join(', ')}.` },
      undefined,
      400,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(specs)) {
    const value = (Object.hasOwn(raw, field) ? raw[field] : undefined) ?? spec.default;
    if (value === undefined || value === '') {
      if (spec.required === false) continue;
      const what = spec.description ?? { en: spec.type, fr: spec.type };
      throw invalid(field, 'is required.', 'est obligatoire.', { en: `Provide ${field} (${what.en}).`, fr: `Indiquez ${field} (${what.fr}).` });
    }
    out[field] = validateOne(field, spec, value, world);
  }
  return out;
}
