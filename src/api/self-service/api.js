// @ts-check
// The API, called with the client's token and language. Failures come back as ApiError
// holding the API's own `{code, message, hint}`, already in the client's language.

import { language, t } from './i18n/index.js';
import { state } from './state.js';

/** @typedef {import('./types.js').ApiErrorBody} ApiErrorBody */

/** A refused or failed call, with the API's explanation (or the page's, when the API could not be reached). */
export class ApiError extends Error {
  /** @param {number} status @param {ApiErrorBody} error */
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.error = error;
  }
}

/** @type {(message: string) => void} */
let sessionEnded = () => undefined;

/** Says what to do when the token stops being accepted (sign out): set once by the page at start. */
export function onSessionEnded(/** @type {(message: string) => void} */ handler) {
  sessionEnded = handler;
}

/** The headers of every call: the token, and the language the page speaks. */
export function authHeaders(/** @type {Record<string, string>} */ extra = {}) {
  return { authorization: `Bearer ${state.token}`, 'accept-language': language(), ...extra };
}

/** Options of every call: nothing cached, no cookies (the token is the only credential). */
export const FETCH_OPTIONS = /** @type {const} */ ({ cache: 'no-store', credentials: 'omit' });

/**
 * Calls the API with the token; a 401 signs out. Throws ApiError with {code, message, hint}.
 * @template [T=any]
 * @param {'GET' | 'POST'} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<T>}
 */
export async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: authHeaders(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
      ...FETCH_OPTIONS,
    });
  } catch {
    throw new ApiError(0, { code: 'unreachable', message: t('unreachable') });
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.status === 401 && state.token) {
    sessionEnded(t('sessionEnded'));
    throw new ApiError(401, { code: 'unauthorized', message: t('sessionEnded') });
  }
  if (!res.ok)
    throw new ApiError(
      res.status,
      data?.error ?? { code: 'unexpected', message: t('unexpected', { status: res.status }) },
    );
  return data;
}

/** The API's explanation of anything a call threw; a network failure says the service is unreachable. */
export function explain(/** @type {unknown} */ err) {
  return err instanceof ApiError ? err.error : { code: 'unreachable', message: t('unreachable') };
}
