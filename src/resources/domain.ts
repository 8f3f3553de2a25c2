import { domainToUnicode } from 'node:url';
import { z } from 'zod';
import { parseDomain } from '../dns/domain.js';
import { conflict as sharedConflict, OperationError } from '../errors.js';
import { notYourName } from './errors.js';
import { conflict, invalidInput, text, type InputType, type ResourceKind } from './kind.js';

/** A parseDomain refusal, told as this input's. */
function domainInput(field: string, raw: string, wildcard: boolean): string {
  try {
    return parseDomain(raw, wildcard);
  } catch (err) {
    if (err instanceof OperationError && err.code === 'invalid_domain') {
      throw invalidInput(field, err.userMessage.en, err.userMessage.fr, err.hint);
    }
    throw err;
  }
}

/** `type: domain`: one host name, IDN converted, a leading `*.` only with `wildcard: true`. */
const domain: InputType = {
  type: 'domain',
  options: { wildcard: z.boolean().default(false), default: z.string().optional() },
  validate: (value, spec, ctx) => domainInput(ctx.field, text(value, ctx.field), spec.wildcard === true),
  jsonSchema: (spec) => ({
    type: 'string',
    maxLength: 253,
    examples: [spec.wildcard ? '*.example.com' : 'shop.example.com'],
  }),
};

/** `type: domains`: a list (or "a,b c" text) of host names, without repeats. */
const domains: InputType = {
  type: 'domains',
  options: {
    wildcard: z.boolean().default(false),
    min: z.number().int().min(0).default(1),
    max: z.number().int().min(1).default(100),
    default: z.array(z.string()).optional(),
  },
  validate(value, spec, { field }) {
    const list = typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value;
    if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
      throw invalidInput(field, 'must be a list of domain names.', 'doit être une liste de noms de domaine.', {
        en: 'Send ["a.example.com", "b.example.com"] or "a.example.com,b.example.com".',
        fr: 'Envoyez ["a.exemple.fr", "b.exemple.fr"] ou "a.exemple.fr,b.exemple.fr".',
      });
    }
    const names = [...new Set(list.map((d) => domainInput(field, d as string, spec.wildcard === true)))];
    const [min, max] = [spec.min as number, spec.max as number];
    if (names.length < min || names.length > max) {
      throw invalidInput(
        field,
        `needs between ${min} and ${max} names, got ${names.length}.`,
        `demande entre ${min} et ${max} noms, reçu ${names.length}.`,
        { en: 'Split the request or add names.', fr: 'Découpez la demande ou ajoutez des noms.' },
      );
    }
    return names;
  },
  jsonSchema: (spec) => ({
    oneOf: [
      { type: 'array', items: { type: 'string', maxLength: 253 }, minItems: spec.min, maxItems: spec.max },
      { type: 'string', description: 'names separated by commas or spaces' },
    ],
    examples: [['example.com', 'www.example.com']],
  }),
};

/** The host name a raw value names, wildcard dropped; undefined when it is not one. */
export function domainKey(value: string): string | undefined {
  try {
    return parseDomain(value, true).replace(/^\*\./, '');
  } catch {
    return undefined;
  }
}

/**
 * A name a client typed that is not one of theirs (or cannot be anyone's). Said as what it
 * is and who can change it, never "not found": the client knows their domain exists. The
 * same words whether another tenant has it or nobody does, so nothing about others shows.
 */
export function notYours(raw: string): OperationError {
  const key = domainKey(raw);
  const name = key ? domainToUnicode(key) || key : raw.trim();
  return notYourName(name);
}

/**
 * A domain belongs to one tenant, with every name under it: shop.example.com is owned by
 * whoever was given example.com. Giving a domain that is, or is under or above, another
 * tenant's is refused.
 */
export const domainKind: ResourceKind = {
  kind: 'domain',
  labels: {
    en: { one: 'domain', many: 'domains', a: 'a domain' },
    fr: { one: 'domaine', many: 'domaines', a: 'un domaine' },
  },
  configSections: [],
  inputTypes: [domain, domains],
  namedBy: [],
  pick: 'suggest',
  shared: false,
  key: domainKey,
  owns: async (tenants, tenantId, key) => (await tenants.domainOwner(key)) === tenantId,
  async give(tenants, tenantId, raw, data) {
    const name = parseDomain(raw, false);
    const owner = await tenants.domainOwner(name);
    const below = (await tenants.listResources({ kind: 'domain' })).find(
      (d) => d.name.endsWith(`.${name}`) && d.tenantId !== tenantId,
    );
    const other = owner && owner !== tenantId ? owner : below?.tenantId;
    if (other) {
      throw sharedConflict(
        {
          en: `The domain ${name} already belongs to another tenant.`,
          fr: `Le domaine ${name} appartient déjà à un autre client.`,
        },
        {
          en: 'A domain, and every name under it, belongs to one tenant only.',
          fr: 'Un domaine, et tous les noms en dessous, appartiennent à un seul client.',
        },
        `owned by ${other}`,
      );
    }
    if (await tenants.getResource('domain', name)) throw conflict(`domain ${name}`);
    return tenants.addResource({ kind: 'domain', name, tenantId, data });
  },
  async take(tenants, tenantId, raw) {
    const name = domainKey(raw) ?? raw;
    const r = await tenants.getResource('domain', name);
    return !!r && r.tenantId === tenantId && tenants.removeResource('domain', name);
  },
  list: (tenants, tenantId) => tenants.listResources({ kind: 'domain', tenantId }),
};
