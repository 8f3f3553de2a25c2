import type { z } from 'zod';
import {
  conflict as sharedConflict,
  invalidInput as sharedInvalidInput,
  type Language,
  type Localized,
  type OperationError,
} from '../errors.js';
import type { Resource, TenantStore } from '../store/tenants.js';

/**
 * What a kind of resource is, in one place: how playbooks name one (its input types),
 * how a value is validated and normalised, how a tenant owns one, how an admin gives
 * one, and what a client calls it. The registry (./index.ts) lists the kinds; the
 * engine, the admin API, the CLI and the page read from it. A new kind is one more
 * module like ./site.ts, registered built in or by a plug-in (src/plugins.ts).
 *
 * Modules here import nothing from src/engine or src/api.
 */

/** How a client says it, singular, plural, and with its article ("a site", « une base de données »). */
export interface KindLabels {
  one: string;
  many: string;
  a: string;
}

/** What validating an input value may consult. */
export interface InputContext {
  /** The input's name, for messages. */
  field: string;
  /** The names configured in a config section (webservers, databases, targets...). */
  names(section: string): string[];
}

/** A playbook input type a kind declares: `type: webserver`, `type: domains`, `type: mailbox`... */
export interface InputType {
  readonly type: string;
  /** Fields a playbook may set on it beside description, required, owned and admin (zod shape); `default` too. */
  readonly options: z.ZodRawShape;
  /** The config section whose keys are the allowed values, if any (a typo is caught before anything runs). */
  readonly configSection?: string;
  /** Validates one value from a request (strings from the CLI or a form) and returns it normalised; throws invalidInput. */
  validate(value: unknown, spec: Record<string, unknown>, ctx: InputContext): unknown;
  /** What a value looks like, as JSON Schema, for /openapi.json; text when left out. */
  jsonSchema?(spec: Record<string, unknown>): Record<string, unknown>;
}

export interface ResourceKind {
  /** The kind as the store and the API name it (`vhost` for sites). */
  readonly kind: string;
  /** What a client calls it, in every language serein speaks. */
  readonly labels: Record<Language, KindLabels>;
  /** The config sections that declare where things of this kind live, if any. */
  readonly configSections: readonly string[];
  /** The input types this kind declares; their ownership follows this kind's rule. */
  readonly inputTypes: readonly InputType[];
  /** Other input types whose values may name one of this kind (a site is named by a `domain` input). */
  readonly namedBy: readonly string[];
  /** How a form offers the caller's own: a list to choose from, or suggestions while typing. */
  readonly pick?: 'choose' | 'suggest';
  /** Shared between tenants (servers) rather than owned by one. */
  readonly shared: boolean;
  /** The name to look up for a raw value (`*.Shop.Example.com` → `shop.example.com`); undefined when it cannot name one. */
  key(value: string): string | undefined;
  /** Whether this tenant owns (or, for shared kinds, may use) the thing this key names. */
  owns(tenants: TenantStore, tenantId: string, key: string): Promise<boolean>;
  /** Gives one to a tenant, refusing what would let two tenants share it. */
  give(
    tenants: TenantStore,
    tenantId: string,
    name: string,
    data: Record<string, unknown> | undefined,
  ): Promise<Resource>;
  /** Takes one away from a tenant (changes nothing on servers); false when the tenant does not have it. */
  take(tenants: TenantStore, tenantId: string, name: string): Promise<boolean>;
  /** This tenant's (or, without a tenant, everyone's) things of this kind. */
  list(tenants: TenantStore, tenantId: string | undefined): Promise<Resource[]>;
}

/** The input types the engine itself knows (src/engine/inputs.ts); no kind may declare one. */
export const GENERIC_INPUT_TYPES: readonly string[] = [
  'identifier',
  'enum',
  'integer',
  'boolean',
  'string',
  'path',
  'url',
];

/** 400 for one input's value, in both languages. */
export function invalidInput(field: string, en: string, fr: string, hint: Localized): OperationError {
  // The request's field is inputs.<name>; its message says what is wrong, then what to send.
  return sharedInvalidInput({ en: `Input "${field}": ${en}`, fr: `Champ « ${field} » : ${fr}` }, hint, [
    { name: `inputs.${field}`, message: { en: `${en} ${hint.en}`, fr: `${fr} ${hint.fr}` } },
  ]);
}

/** The value as text, or a 400 saying it must be. */
export function text(value: unknown, field: string): string {
  if (typeof value !== 'string')
    throw invalidInput(field, 'must be text.', 'doit être du texte.', {
      en: 'Send a string.',
      fr: 'Envoyez du texte.',
    });
  return value;
}

/** One of the names configured in a section, or a 400 listing them. */
export function configuredName(value: unknown, ctx: InputContext, section: string, what: Localized): string {
  const v = text(value, ctx.field);
  const names = ctx.names(section);
  if (!names.includes(v)) {
    throw invalidInput(ctx.field, `"${v}" is not a known ${what.en}.`, `« ${v} » n'est pas ${what.fr} connu.`, {
      en: `Use one of: ${names.join(', ') || '(none configured)'}.`,
      fr: `Utilisez l'un de : ${names.join(', ') || '(aucun configuré)'}.`,
    });
  }
  return v;
}

/** 409 for a name already taken. */
export const conflict = (what: string) =>
  sharedConflict(
    { en: `${what} already exists.`, fr: `${what} existe déjà.` },
    {
      en: 'Use another name, or remove the existing one first.',
      fr: "Utilisez un autre nom, ou supprimez d'abord l'existant.",
    },
  );

/**
 * A kind whose things are records owned by one tenant (sites, databases, certificates,
 * a plug-in's mailboxes): owned when the record is the tenant's; given once.
 */
export function recordKind(k: Pick<ResourceKind, 'kind' | 'labels'> & Partial<ResourceKind>): ResourceKind {
  return {
    configSections: [],
    inputTypes: [],
    namedBy: [],
    shared: false,
    key: (value) => value || undefined,
    async owns(tenants, tenantId, key) {
      return (await tenants.getResource(k.kind, key))?.tenantId === tenantId;
    },
    async give(tenants, tenantId, name, data) {
      const key = this.key(name);
      if (!key) throw conflict(`${k.kind} ${name}`);
      if (await tenants.getResource(k.kind, key)) throw conflict(`${k.kind} ${key}`);
      return tenants.addResource({ kind: k.kind, name: key, tenantId, data });
    },
    async take(tenants, tenantId, name) {
      const r = await tenants.getResource(k.kind, name);
      if (!r || r.tenantId !== tenantId) return false;
      return tenants.removeResource(k.kind, name);
    },
    list: (tenants, tenantId) => tenants.listResources({ kind: k.kind, tenantId }),
    ...k,
  };
}
