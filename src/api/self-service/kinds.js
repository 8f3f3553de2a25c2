// @ts-check
// Everything the page knows about kinds of resources (domains, sites, databases,
// certificates, servers), in one place. Their labels, the input types that name one of
// them and how a form offers them come from the server's registry (GET
// /v1/resource-kinds, in the page's language, plug-in kinds included); the page adds
// only its own order and what a list shows of each. No view names a kind itself.

import { t } from './i18n/index.js';

/** @typedef {import('./types.js').Resource} Resource */
/** @typedef {import('./types.js').KindDescription} KindDescription */

/**
 * @typedef {object} Kind
 * @property {string} kind The kind as /v1/resources names it.
 * @property {string} [label] Its plural label ("Sites"), from the registry.
 * @property {string[]} inputTypes Operation input types that name a thing of this kind (until the registry is read).
 * @property {'choose' | 'suggest'} [pick] How a form offers the owned ones: a list to choose from, or suggestions while typing.
 * @property {(r: Resource) => Line} [line] What a list shows of one (default: its name).
 */

/** @typedef {{ name: string, tag?: { text: string, ok: boolean }, notes: string[] }} Line One resource in a list: its name, a status tag, lines under it. */

/** @type {readonly Kind[]} in the order the page lists them; the registry replaces their labels, input types and picks */
export const KINDS = Object.freeze([
  { kind: 'domain', inputTypes: ['domain'], pick: 'suggest' },
  {
    kind: 'vhost',
    inputTypes: ['domain'],
    pick: 'suggest',
    line: (r) => {
      const d = r.data ?? {};
      const aliases = Array.isArray(d.aliases) ? d.aliases.map(String) : [];
      return {
        name: r.name,
        tag: d.tls ? { text: t('https'), ok: true } : { text: t('httpOnly'), ok: false },
        notes: aliases.length ? [aliases.join(', ')] : [],
      };
    },
  },
  {
    kind: 'database',
    inputTypes: [],
    line: (r) => {
      const d = r.data ?? {};
      if (!d.database) return { name: r.name, notes: [] };
      return { name: String(d.database), notes: [[d.engine, d.server].filter(Boolean).join(' · ')] };
    },
  },
  { kind: 'certificate', inputTypes: [] },
  { kind: 'server', inputTypes: ['target', 'webserver', 'database-server'], pick: 'choose' },
]);

/** The kinds as the page uses them: the page's own, merged with the registry's once read. */
let kinds = /** @type {readonly Kind[]} */ (KINDS);

/**
 * Takes the server's registry (GET /v1/resource-kinds, in the page's language): labels,
 * input types and picks come from it, plug-in kinds included; the page keeps its order
 * and its list lines.
 */
export function useRegistry(/** @type {KindDescription[]} */ registry) {
  const own = (/** @type {string} */ kind) => KINDS.find((k) => k.kind === kind);
  const merged = registry.map((d) => ({
    ...own(d.kind),
    kind: d.kind,
    label: capitalise(d.label.many),
    inputTypes: d.inputTypes,
    pick: d.pick,
  }));
  kinds = [...KINDS.map((k) => merged.find((m) => m.kind === k.kind) ?? k), ...merged.filter((m) => !own(m.kind))];
}

/** "domains" → "Domains", « bases de données » → « Bases de données »: a heading starts with a capital. */
const capitalise = (/** @type {string} */ text) => text.charAt(0).toLocaleUpperCase() + text.slice(1);

/** @param {string} kind */
const find = (kind) => kinds.find((k) => k.kind === kind);

/** The plural label of a kind in the page's language, as the registry gives it; before it is read, the kind's name. */
export function kindLabel(/** @type {string} */ kind) {
  return find(kind)?.label ?? kind;
}

/** Kinds in the page's order, unknown ones last: the list reads the same on every visit. */
export function sortKinds(/** @type {string[]} */ names) {
  const rank = (/** @type {string} */ kind) => kinds.findIndex((k) => k.kind === kind) + 1 || 99;
  return [...names].sort((a, b) => rank(a) - rank(b));
}

/** What a list shows of one resource, as plain text for the view to lay out. */
export function resourceLine(/** @type {Resource} */ r) {
  return find(r.kind)?.line?.(r) ?? { name: r.name, notes: [] };
}

/**
 * The owned names an input of this type must be chosen from (a server), sorted; empty when
 * the type is typed freely.
 */
export function choicesFor(/** @type {string} */ inputType, /** @type {Resource[]} */ resources) {
  const chosen = kinds.filter((k) => k.pick === 'choose' && k.inputTypes.includes(inputType)).map((k) => k.kind);
  // A server says which input types it fills (a database server is never offered as a web server).
  const fills = (/** @type {Resource} */ r) =>
    !Array.isArray(r.data?.inputTypes) || r.data.inputTypes.includes(inputType);
  return [...new Set(resources.filter((r) => chosen.includes(r.kind) && fills(r)).map((r) => r.name))].sort();
}

/** Whether an input of this type is offered the owned names as suggestions (domains, sites). */
export function suggestedFor(/** @type {string} */ inputType) {
  return kinds.some((k) => k.pick === 'suggest' && k.inputTypes.includes(inputType));
}

/** The owned names suggested while typing a name (the domains and the sites), in the order given. */
export function suggestions(/** @type {Resource[]} */ resources) {
  const suggested = kinds.filter((k) => k.pick === 'suggest').map((k) => k.kind);
  return resources.filter((r) => suggested.includes(r.kind)).map((r) => r.name);
}
