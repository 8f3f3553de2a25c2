// @ts-check
// The page's languages: one catalog per language, the one in use, and words in it.
// A further language is one more catalog file, named in CATALOGS below.

import en from './en.js';
import fr from './fr.js';

/** @typedef {import('./en.js').Catalog} Catalog */
/** @typedef {import('./en.js').MessageKey} MessageKey */

/** @type {Readonly<Record<string, Catalog>>} */
export const CATALOGS = Object.freeze({ en, fr });

/** The languages the page speaks, in the order the switch shows them. */
export const LANGUAGES = Object.freeze(Object.keys(CATALOGS));

let current = 'en';

/** The language the page speaks now, so that requests ask the API for the same one. */
export function language() {
  return current;
}

/** Sets the language every later `t` call uses; an unknown one falls back to English. */
export function setLanguage(/** @type {string} */ lang) {
  current = isLanguage(lang) ? lang : 'en';
}

/** Whether the page has a catalog for this language (a stored choice may be stale). */
export function isLanguage(/** @type {unknown} */ lang) {
  return typeof lang === 'string' && Object.hasOwn(CATALOGS, lang);
}

/**
 * A catalog's words for a key, with `{name}` placeholders filled in. Keys built from API
 * values (a status, a result field) may be missing: English, then the key itself, is shown.
 * @param {MessageKey | string} key
 * @param {Record<string, unknown>} [vars]
 */
export function t(key, vars) {
  const text = typography(lookup(CATALOGS[current], key) ?? lookup(en, key) ?? key);
  return vars ? text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? '')) : text;
}

/**
 * Words the server gave in the page's language (an operation's, from GET /v1/playbooks),
 * set as the catalogs' are: French typography, then `{name}` placeholders filled in.
 * @param {string} text
 * @param {Record<string, unknown>} [vars]
 */
export function typeset(text, vars) {
  const set = typography(text);
  return vars ? set.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? '')) : set;
}

/**
 * French typography: a non-breaking space before « : ; ? ! » and inside « », so a line
 * never starts with a colon on a phone. The catalog is written with plain spaces, and
 * this runs before the placeholders are filled, so names are never touched.
 */
function typography(/** @type {string} */ text) {
  return current === 'fr' ? text.replace(/ ([:;?!»])/g, '\u00a0$1').replace(/« /g, '«\u00a0') : text;
}

/** Whether a catalog names this key, so that callers can fall back to a raw name instead. */
export function has(/** @type {string} */ key) {
  return lookup(CATALOGS[current], key) !== undefined || lookup(en, key) !== undefined;
}

/** @param {Catalog | undefined} catalog @param {string} key @returns {string | undefined} */
function lookup(catalog, key) {
  return catalog && Object.hasOwn(catalog, key) ? /** @type {Record<string, string>} */ (catalog)[key] : undefined;
}

/** The browser's first language the page speaks, for a visitor who has not chosen. */
export function browserLanguage() {
  for (const l of navigator.languages ?? [navigator.language]) {
    const tag = String(l).slice(0, 2).toLowerCase();
    if (isLanguage(tag)) return tag;
  }
  return 'en';
}

/** A date and time in words in the page's language ("30 November 2026 at 01:32"): clients read no ISO timestamps. */
export function formatDate(/** @type {string | null | undefined} */ iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? String(iso)
    : d.toLocaleString(t('locale'), { dateStyle: 'long', timeStyle: 'short' });
}

/** A day in words in the page's language ("3 March 2027", « 3 mars 2027 »): for expiries and renewals, where the hour does not matter. */
export function formatDay(/** @type {string | null | undefined} */ iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? String(iso)
    : d.toLocaleDateString(t('locale'), { day: 'numeric', month: 'long', year: 'numeric' });
}

/** Whether a value is an ISO timestamp, which a page shows as a date in words instead. */
export const isIsoDate = (/** @type {unknown} */ v) =>
  typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v);

/**
 * When something happened, in words the way people say it: « à 14 h 02 », « hier à 9 h 30 »,
 * « le 3 mars à 14 h 02 » / "at 2:02 pm", "yesterday at 9:30 am", "on 3 March at 2:02 pm".
 * @param {string | null | undefined} iso
 * @param {Date} [now]
 */
export function formatWhen(iso, now = new Date()) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const time =
    current === 'fr'
      ? `${d.getHours()}\u00a0h\u00a0${String(d.getMinutes()).padStart(2, '0')}`
      : d.toLocaleTimeString('en-GB', { hour: 'numeric', minute: '2-digit', hour12: true });
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (d.toDateString() === now.toDateString()) return t('atTime', { time });
  if (d.toDateString() === yesterday.toDateString()) return t('yesterdayAt', { time });
  const date = d.toLocaleDateString(t('locale'), {
    day: 'numeric',
    month: 'long',
    ...(d.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
  return t('onDateAt', { date, time });
}
