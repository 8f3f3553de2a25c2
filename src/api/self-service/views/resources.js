// @ts-check
// The tenant's databases (with their server and user) and its domains; sites have their
// own view (sites.js). Kinds a plug-in adds are listed with the domains.

import { shownName } from '../names.js';
import { byId, clear, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { kindLabel, resourceLine, sortKinds, suggestions } from '../kinds.js';
import { state } from '../state.js';

/** Kinds drawn elsewhere (sites, their file access), or not things a client looks at (certificates are on their site; servers are in forms). */
const ELSEWHERE = new Set(['vhost', 'sftp', 'database', 'certificate', 'server']);

/** Draws the databases: each with the server it is on and its user. */
export function renderDatabases() {
  const box = clear(byId('databases'));
  const dbs = state.resources.filter((r) => r.kind === 'database').sort((a, b) => a.name.localeCompare(b.name));
  if (!dbs.length) {
    box.append(h('p', { class: 'empty', text: t('noDatabases') }));
    return;
  }
  box.append(
    h(
      'ul',
      { class: 'plain databases' },
      dbs.map((r) => {
        const d = r.data ?? {};
        return h(
          'li',
          {},
          h('strong', { class: 'mono', text: String(d.database ?? r.name) }),
          ' ',
          h('span', {
            class: 'muted',
            text: t('dbWhere', { server: String(d.server ?? ''), user: String(d.user ?? '') }),
          }),
        );
      }),
    ),
  );
}

/** Draws the domains (and any plug-in kind), one group per kind, and the names suggested in domain fields. */
export function renderResources() {
  const box = clear(byId('resources'));
  /** @type {Map<string, import('../types.js').Resource[]>} */
  const groups = new Map();
  for (const r of state.resources) {
    if (ELSEWHERE.has(r.kind)) continue;
    groups.set(r.kind, [...(groups.get(r.kind) ?? []), r]);
  }
  const kinds = sortKinds([...groups.keys()]);
  if (!kinds.length) box.append(h('p', { class: 'empty', text: t('noResources') }));
  for (const kind of kinds) {
    const items = [...(groups.get(kind) ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    // One kind (the domains): the card's title says it already; headings only tell several kinds apart.
    box.append(
      h(
        'div',
        { class: 'group' },
        kinds.length > 1 ? h('h3', { text: kindLabel(kind) }) : null,
        h(
          'ul',
          { class: 'plain' },
          items.map((r) => h('li', {}, line(r))),
        ),
      ),
    );
  }
  const list = clear(byId('owned-domains'));
  for (const name of suggestions(state.resources)) list.append(h('option', { value: name }));
}

/** @param {import('../types.js').Resource} r */
function line(r) {
  const { name, tag, notes } = resourceLine(r);
  return [
    h('span', { class: 'mono', text: r.kind === 'domain' || r.kind === 'vhost' ? shownName(name) : name }),
    tag ? [' ', h('span', { class: tag.ok ? 'tag st-ok' : 'tag', text: tag.text })] : null,
    notes.map((note) => h('span', { class: 'muted block', text: note })),
  ];
}
