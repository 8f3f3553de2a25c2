// @ts-check
// What serein told the client without being asked (GET /v1/notices): a change on their
// domain that will stop the next renewal, with the fix, weeks before it; a request the
// provider's team did for them. Shown under the one-sentence summary, in the page's language.

import { api } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { state } from '../state.js';

/** @typedef {{ kind: 'drift' | 'done', at: string, subject: string, lead: string, steps: string[] }} Notice */

/** Draws the client's notices; an admin's page has none, and a failed read leaves the rest of the page as it is. */
export async function renderNotices() {
  const box = clear(byId('notices'));
  if (state.me?.kind !== 'client') return;
  /** @type {Notice[]} */
  let notices;
  try {
    notices = (await api('GET', '/v1/notices')).notices;
  } catch {
    return;
  }
  for (const n of notices) {
    box.append(
      h('div', { class: `notice notice-${n.kind}`, role: 'status' }, h('p', { class: 'notice-title', text: n.subject }), h('p', { text: n.lead }), n.steps.length ? h('ul', null, n.steps.map((s) => h('li', { text: s }))) : null),
    );
  }
}
