// @ts-check
// Signing in with an access token, and out. The token is kept in this tab's session
// storage only; a wrong one is explained (empty, mangled by a copy, refused).

import { ApiError, authHeaders, FETCH_OPTIONS } from '../api.js';
import { byId, clear } from '../dom.js';
import { t } from '../i18n/index.js';
import { state, TOKEN_KEY } from '../state.js';
import { pickLanguage, renderWho } from './header.js';
import { loadAll } from './home.js';
import { forgetShownAccess } from './sftp.js';

const tokenInput = () => /** @type {HTMLInputElement} */ (byId('token'));

/** Shows the sign-in form, with what went wrong when there is something to say. */
export function showSignIn(/** @type {string | undefined} */ message) {
  byId('app').hidden = true;
  byId('sign-out').hidden = true;
  byId('sign-in').hidden = false;
  const problem = byId('sign-in-problem');
  problem.hidden = !message;
  problem.textContent = message ?? '';
  renderWho();
}

/**
 * Forgets the token and everything shown with it, then offers to sign in again (saying why, if asked).
 * @param {string} [message]
 */
export function signOut(message) {
  state.token = null;
  state.me = null;
  state.current = null;
  forgetShownAccess();
  sessionStorage.removeItem(TOKEN_KEY);
  for (const id of [
    'summary',
    'sites',
    'databases',
    'resources',
    'ops',
    'jobs',
    'doctor-result',
    'run-fields',
    'outcome',
    'progress-steps',
  ])
    clear(byId(id));
  byId('run').hidden = true;
  tokenInput().value = '';
  pickLanguage();
  showSignIn(message);
  tokenInput().focus();
}

/** A token is one run of visible ASCII characters: anything else cannot be sent, and is a copy mistake. */
export function tokenProblem(/** @type {string} */ token) {
  if (!token) return t('tokenEmpty');
  if (!/^[\x21-\x7e]+$/.test(token))
    return `${t('tokenMalformed')}${token.startsWith('srn_') ? '' : ` ${t('tokenPrefix')}`}`;
  return null;
}

/**
 * Signs in: asks who the token belongs to, then shows the page in the tenant's language.
 * `remember` is true when the token was just typed (it is then kept for this tab); false
 * when it came back from the tab's storage after a reload.
 * @param {string} token
 * @param {{ remember: boolean }} how
 */
export async function signIn(token, { remember }) {
  state.token = token;
  try {
    const res = await fetch('/self-service/me', { headers: authHeaders(), ...FETCH_OPTIONS });
    if (res.status === 401) {
      state.token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn(
        remember ? t('tokenRejected') + (token.startsWith('srn_') ? '' : ` ${t('tokenPrefix')}`) : t('sessionEnded'),
      );
      tokenInput().focus();
      return;
    }
    if (!res.ok)
      throw new ApiError(res.status, { code: 'unexpected', message: t('unexpected', { status: res.status }) });
    state.me = await res.json();
  } catch (err) {
    state.token = null;
    showSignIn(err instanceof ApiError ? err.error.message : t('unreachable'));
    return;
  }
  if (remember) sessionStorage.setItem(TOKEN_KEY, token);
  tokenInput().value = '';
  pickLanguage();
  byId('sign-in').hidden = true;
  byId('app').hidden = false;
  byId('sign-out').hidden = false;
  await loadAll();
  if (remember) byId('app-title').focus();
}
