// @ts-check
// "What you can do": the operations the tenant may run, and the form of the one opened.

import { api } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { SITE_OPERATIONS } from '../site-state.js';
import { state } from '../state.js';
import { field } from './form.js';
import { problemBox } from './outcome.js';

/** Reads the operations the tenant may run (in its language) and lists them, each with its Start button. */
export async function loadPlaybooks() {
  const list = byId('ops');
  try {
    /** @type {{ playbooks: import('../types.js').Playbook[] }} */
    const { playbooks } = await api('GET', '/v1/playbooks');
    state.playbooks = playbooks;
  } catch (err) {
    clear(list).append(h('li', {}, problemBox(err)));
    return;
  }
  clear(list);
  // A client runs the site operations with the buttons on each site, where the names are known.
  const forms = state.playbooks.filter((p) => state.me?.kind === 'admin' || !SITE_OPERATIONS.includes(p.name));
  if (!forms.length) list.append(h('li', { class: 'empty', text: t('noOps') }));
  for (const p of forms) {
    const titleId = `op-${p.name}`;
    list.append(
      h(
        'li',
        { class: 'op' },
        h('h3', { id: titleId, text: p.title }),
        h('p', { class: 'description', text: p.description }),
        h('button', {
          type: 'button',
          class: 'secondary',
          'aria-describedby': titleId,
          text: t('open'),
          onclick: () => openPlaybook(p.name),
        }),
      ),
    );
  }
}

/**
 * Opens an operation's form. With values (a redraw after a language switch) what was
 * typed and shown stays; without, the last outcome is cleared. Focus moves to its title.
 * @param {string} name
 * @param {Record<string, unknown>} [values]
 * @param {boolean} [focus]
 */
export function openPlaybook(name, values, focus = true) {
  const p = state.playbooks.find((x) => x.name === name);
  if (!p) return;
  state.current = p;
  byId('run').hidden = false;
  byId('run-title').textContent = p.title;
  byId('run-description').textContent = p.description;
  const fields = clear(byId('run-fields'));
  for (const [key, spec] of Object.entries(p.inputs)) fields.append(field(key, spec, values?.[key]));
  if (!values) {
    byId('progress').hidden = true;
    clear(byId('progress-steps'));
    byId('outcome').hidden = true;
    clear(byId('outcome'));
  }
  if (focus) {
    byId('run').scrollIntoView({ block: 'start' });
    byId('run-title').focus();
  }
}

/** Closes the open form. */
export function closePlaybook() {
  byId('run').hidden = true;
  state.current = null;
}
