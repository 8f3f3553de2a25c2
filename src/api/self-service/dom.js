// @ts-check
// Building the page's DOM. Every value from the API reaches it through textContent or
// attributes set one by one, never parsed as markup (the page's Content-Security-Policy
// enforces it with Trusted Types).

/** @typedef {Node | string | number | null | undefined | false | unknown[]} Child A child of h(): nodes, text, nothing, or lists of them. */

/**
 * An element of the page by id; a missing one is a bug of the page, said at once.
 * @template {HTMLElement} [E=HTMLElement]
 * @param {string} id
 * @returns {E}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return /** @type {E} */ (el);
}

/**
 * Creates an element: `class`, `text`, `on<event>` handlers, properties (non-string
 * values, such as `checked`) and attributes; children are nodes or strings (as text, never HTML).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown> | null} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), /** @type {EventListener} */ (v));
    else if (k in el && typeof v !== 'string')
      /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (el))[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** @param {Element} el @param {unknown[]} children */
function append(el, children) {
  for (const c of children) {
    if (Array.isArray(c)) append(el, c);
    else if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  }
}

/**
 * Empties an element and hands it back, so a view can be redrawn in one expression.
 * @template {Element} E
 * @param {E} el
 * @returns {E}
 */
export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Waits, between two reads of a job that is not finished yet. */
export const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** The first letter in capitals: input descriptions are written as phrases, labels start a sentence. */
export function capitalize(/** @type {string} */ s) {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}
