// @ts-check
// The page's header and words: the language in use (chosen, the tenant's, or the
// browser's), the language switch built from the catalogs, and who is signed in.

import { byId, h } from '../dom.js';
import { browserLanguage, CATALOGS, isLanguage, language, LANGUAGES, setLanguage, t } from '../i18n/index.js';
import { LANG_KEY, state } from '../state.js';
import { renderBrand } from './brand.js';

/** Adds one switch button per catalog, in its own language; onPick runs with the language chosen. */
export function buildLanguageSwitch(/** @type {(lang: string) => void} */ onPick) {
  const group = byId('lang-switch');
  for (const lang of LANGUAGES) {
    group.append(
      h('button', {
        type: 'button',
        'data-lang': lang,
        lang,
        text: CATALOGS[lang].languageName,
        onclick: () => onPick(lang),
      }),
    );
  }
}

/** The language chosen with the switch in an earlier visit, if the page still speaks it. */
export function savedChoice() {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    return isLanguage(saved) ? saved : null;
  } catch {
    return null;
  }
}

/** Remembers the switch's choice for the next visit (private browsing: for this page only). */
export function saveChoice(/** @type {string} */ lang) {
  state.choice = lang;
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    /* private mode: the choice lasts for this page */
  }
}

/** Speaks the chosen language, else the tenant's, else the browser's, and redraws the page's fixed words. */
export function pickLanguage() {
  setLanguage(state.choice ?? state.me?.tenant?.language ?? browserLanguage());
  document.documentElement.lang = language();
  for (const el of document.querySelectorAll('[data-i18n]'))
    el.textContent = t(/** @type {HTMLElement} */ (el).dataset.i18n ?? '');
  for (const b of document.querySelectorAll('[data-lang]'))
    b.setAttribute('aria-pressed', String(/** @type {HTMLElement} */ (b).dataset.lang === language()));
  renderWho();
  renderBrand();
}

/** "Signed in: <tenant>" in the header, hidden when signed out. */
export function renderWho() {
  const who = byId('who');
  if (!state.me) {
    who.hidden = true;
    return;
  }
  who.hidden = false;
  who.textContent = state.me.tenant ? t('signedInAs', { name: state.me.tenant.name }) : t('signedInAdmin');
}
