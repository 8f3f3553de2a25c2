// @ts-check
// What the page holds while it is open: the token (also in this tab's session storage),
// who it belongs to, and what the API last said. Views read and set it; nothing else.

/**
 * @typedef {object} State
 * @property {string | null} token The access token; null when signed out.
 * @property {import('./types.js').Me | null} me
 * @property {string | null} choice The language chosen with the switch; null: the tenant's, else the browser's.
 * @property {import('./types.js').Playbook[]} playbooks
 * @property {import('./types.js').Resource[]} resources
 * @property {import('./types.js').Playbook | null} current The operation whose form is open.
 * @property {boolean} busy Whether that operation is being run.
 * @property {import('./types.js').Brand | null} brand The provider's name, logo, colours and contacts.
 */

/** The page's one state, shared by the views. */
export const state = /** @type {State} */ ({
  token: null,
  me: null,
  choice: null,
  playbooks: [],
  resources: [],
  current: null,
  busy: false,
  brand: null,
});

/** Where the token is kept: this tab only, forgotten when it closes. */
export const TOKEN_KEY = 'serein.token';
/** Where the language chosen with the switch is kept, for the next visit. */
export const LANG_KEY = 'serein.language';
/** The statuses a job ends in. */
export const TERMINAL = Object.freeze(['succeeded', 'failed', 'needs-attention']);
