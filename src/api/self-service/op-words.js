// @ts-check
// An operation's words on the page: what its words file says (playbooks/<operation>.words.yaml),
// as GET /v1/playbooks gives them in the page's language. The page's catalogs keep only the
// page's own words; a new operation brings its words with it and no view names it.

import { typeset } from './i18n/index.js';
import { state } from './state.js';

/** @typedef {import('./types.js').OperationWords} OperationWords */

/**
 * One of an operation's words, with its placeholders filled in; undefined when it has none
 * (an operation without a words file, or not offered to this caller).
 * @param {string | undefined} playbook
 * @param {keyof OperationWords} key
 * @param {Record<string, unknown>} [vars]
 * @returns {string | undefined}
 */
export function opWord(playbook, key, vars) {
  const text = state.playbooks.find((p) => p.name === playbook)?.words?.[key];
  return text === undefined ? undefined : typeset(text, vars);
}

/** What an operation is called when its words do not say: its title, else its name. */
export function opTitle(/** @type {string | undefined} */ playbook) {
  return state.playbooks.find((p) => p.name === playbook)?.title ?? playbook ?? '';
}
