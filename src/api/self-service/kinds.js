// @ts-check
// Everything the page knows about kinds of resources (domains, sites, databases,
// certificates, servers), in one place: their order, their label (a catalog key), which
// input types name one of them, and what a list shows of each. A resource registry sent
// by the server can replace this module; no view names a kind itself.

import { t } from './i18n/index.js';

/** @typedef {import('./types.js').Resource} Resource */

/**
 * @typedef {object} Kind
 * @property {string} kind The kind as /v1/resources names it.
 * @property {string} label The catalog key of its plural label ("Sites").
 * @property {string[]} inputTypes Operation input types that name a thing of this kind.
 * @property {'choose' | 'suggest'} [pick] How a form offers the owned ones: a list to choose from, or suggestions while typing.
 * @property {(r: Resource) => Line} [line] What a list shows of one (default: its name).
 */

/** @typedef {{ name: string, tag?: { text: string, ok: boolean }, notes: string[] }} Line One resource in a list: its name, a status tag, lines under it. */

/** @type {readonly Kind[]} in the order the page lists them */
export const KINDS = Object.freeze([
  { kind: 'domain', label: 'kind_domain', inputTypes: ['domain'], pick: 'suggest' },
  {
    kind: 'vhost',
    label: 'kind_vhost',
    inputTypes: ['domain'],
    pick: 'suggest',
    line: (r) => {
      const d = r.data ?? {};
      const aliases = Array.isArray(d.aliases) ? d.aliases.map(String) : [];
      return { name: r.name, tag: d.tls ? { text: t('https'), ok: true } : { text: t('httpOnly'), ok: false }, notes: aliases.length ? [aliases.join(', ')] : [] };
    },
  },
  {
    kind: 'database',
    label: 'kind_database',
    inputTypes: [],
    line: (r) => {
      const d = r.data ?? {};
      if (!d.database) return { name: r.name, notes: [] };
      return { name: String(d.database), notes: [[d.engine, d.server].filter(Boolean).join(' · ')] };
    },
  },
  { kind: 'certificate', label: 'kind_certificate', inputTypes: [] },
  { kind: 'server', label: 'kind_server', inputTypes: ['target', 'webserver', 'database-server'], pick: 'choose' },
]);

/** @param {string} kind */
const find = (kind) => KINDS.find((k) => k.kind === kind);

/** The plural label of a kind in the page's language; a kind the page does not know shows its name. */
export function kindLabel(/** @type {string} */ kind) {
  const k = find(kind);
  return k ? t(k.label) : kind;
}

/** Kinds in the page's order, unknown ones last: the list reads the same on every visit. */
export function sortKinds(/** @type {string[]} */ kinds) {
  const rank = (/** @type {string} */ kind) => KINDS.findIndex((k) => k.kind === kind) + 1 || 99;
  return [...kinds].sort((a, b) => rank(a) - rank(b));
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
  const kinds = KINDS.filter((k) => k.pick === 'choose' && k.inputTypes.includes(inputType)).map((k) => k.kind);
  // A server says which input types it fills (a database server is never offered as a web server).
  const fills = (/** @type {Resource} */ r) => !Array.isArray(r.data?.inputTypes) || r.data.inputTypes.includes(inputType);
  return [...new Set(resources.filter((r) => kinds.includes(r.kind) && fills(r)).map((r) => r.name))].sort();
}

/** Whether an input of this type is offered the owned names as suggestions (domains, sites). */
export function suggestedFor(/** @type {string} */ inputType) {
  return KINDS.some((k) => k.pick === 'suggest' && k.inputTypes.includes(inputType));
}

/** The owned names suggested while typing a name (the domains and the sites), in the order given. */
export function suggestions(/** @type {Resource[]} */ resources) {
  const kinds = KINDS.filter((k) => k.pick === 'suggest').map((k) => k.kind);
  return resources.filter((r) => kinds.includes(r.kind)).map((r) => r.name);
}
