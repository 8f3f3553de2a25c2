// @ts-check
// "Your domains and sites": what the tenant owns or may use, grouped by kind.

import { api } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { kindLabel, resourceLine, sortKinds, suggestions } from '../kinds.js';
import { state } from '../state.js';
import { problemBox } from './outcome.js';

/** Reads what the tenant owns and shows it; forms and suggestions use the same list. */
export async function loadResources() {
  try {
    /** @type {{ resources: import('../types.js').Resource[] }} */
    const { resources } = await api('GET', '/v1/resources');
    state.resources = resources;
    renderResources();
  } catch (err) {
    clear(byId('resources')).append(problemBox(err));
  }
}

/** Draws the owned resources, one group per kind, and the names suggested in domain fields. */
export function renderResources() {
  const box = clear(byId('resources'));
  /** @type {Map<string, Map<string, import('../types.js').Resource>>} */
  const groups = new Map();
  for (const r of state.resources) {
    let group = groups.get(r.kind);
    if (!group) groups.set(r.kind, (group = new Map()));
    group.set(r.name, r);
  }
  const kinds = sortKinds([...groups.keys()]);
  if (!kinds.length) box.append(h('p', { class: 'empty', text: t('noResources') }));
  const grid = h('div', { class: 'groups' });
  for (const kind of kinds) {
    const items = [...(groups.get(kind)?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    grid.append(h('div', { class: 'group' }, h('h3', { text: kindLabel(kind) }), h('ul', { class: 'plain' }, items.map((r) => h('li', {}, line(r))))));
  }
  box.append(grid);
  const list = clear(byId('owned-domains'));
  for (const name of suggestions(state.resources)) list.append(h('option', { value: name }));
}

/** @param {import('../types.js').Resource} r */
function line(r) {
  const { name, tag, notes } = resourceLine(r);
  return [
    h('span', { class: 'mono', text: name }),
    tag ? [' ', h('span', { class: tag.ok ? 'tag st-ok' : 'tag', text: tag.text })] : null,
    notes.map((note) => h('span', { class: 'muted block', text: note })),
  ];
}
