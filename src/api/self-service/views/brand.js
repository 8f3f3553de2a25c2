// @ts-check
// The provider's own page: its name, logo, colours, support contact and "lost my token"
// path, from the daemon's config (GET /self-service/brand). The logo comes inline: the
// page never loads anything from elsewhere.

import { FETCH_OPTIONS } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { state } from '../state.js';

/** CSS variables the config's colours set. */
const COLOR_VARS = /** @type {Record<string, string>} */ ({
  accent: '--accent',
  accentDark: '--accent-dark',
  background: '--bg',
});

/** Reads the provider's branding once; without it, the page is serein's own. */
export async function loadBrand() {
  try {
    const res = await fetch('/self-service/brand', FETCH_OPTIONS);
    if (res.ok) state.brand = await res.json();
  } catch {
    /* the page works without it */
  }
  renderBrand();
}

/** Draws the branding in the page's language (the support sentence is words of the page). */
export function renderBrand() {
  const b = state.brand;
  if (!b) return;
  byId('brand-name').textContent = b.name;
  document.title = b.name;
  const logo = /** @type {HTMLImageElement} */ (byId('brand-logo'));
  if (b.logo && b.logo.startsWith('data:image/')) {
    logo.src = b.logo;
    logo.hidden = false;
    byId('brand-mark').hidden = true;
  }
  for (const [name, value] of Object.entries(b.colors ?? {})) {
    const v = COLOR_VARS[name];
    // CSSOM, not a style attribute: the page's Content-Security-Policy allows no inline style.
    if (v && /^#[0-9a-f]{3,8}$/i.test(value)) document.documentElement.style.setProperty(v, value);
  }
  const lost = /** @type {HTMLAnchorElement} */ (byId('lost-token-link'));
  if (b.lostToken && /^(https:\/\/|mailto:)/.test(b.lostToken)) {
    lost.href = b.lostToken;
    byId('lost-token').hidden = false;
  }
  const ways = clear(byId('support-ways'));
  const s = b.support ?? {};
  if (s.email) ways.append(h('li', {}, h('a', { href: `mailto:${s.email}`, text: s.email })));
  if (s.phone) ways.append(h('li', {}, h('a', { href: `tel:${s.phone.replace(/[^+\d]/g, '')}`, text: s.phone })));
  if (s.url && /^https?:\/\//.test(s.url))
    ways.append(h('li', {}, h('a', { href: s.url, rel: 'noopener noreferrer', target: '_blank', text: s.url })));
  byId('support-text').textContent = t('supportText', { name: b.name });
  byId('support').hidden = !ways.childElementCount;
}
