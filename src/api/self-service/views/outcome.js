// @ts-check
// How a finished request reads: the plan of a check, the result of a done one (its
// shown-once secret first, with the warning), or what went wrong and the fix.

import { explain } from '../api.js';
import { clear, h } from '../dom.js';
import { formatDay, has, isIsoDate, t } from '../i18n/index.js';
import { state } from '../state.js';
import { offered, runNow } from './oneclick.js';

/** @typedef {import('../types.js').Job} Job */
/** @typedef {import('../types.js').ApiErrorBody} ApiErrorBody */

/** A result field's label ("Password"); a field the catalogs do not name shows its own name. */
const keyLabel = (/** @type {string} */ key) => (has(`key_${key}`) ? t(`key_${key}`) : key);

/** A heading followed, when known, by the operation's title ("Done — Write a greeting"). */
const titled = (/** @type {string} */ text, /** @type {string | null | undefined} */ title) =>
  `${text}${title ? ` — ${title}` : ''}`;

/**
 * Shows a finished job in a box: the plan of a check, the result of a done one (the
 * secret fields the API names in `secretKeys` shown apart, once, with the warning), or the failure.
 * @param {HTMLElement} box
 * @param {Job} job
 * @param {string | null} title
 */
export function renderOutcome(box, job, title) {
  clear(box);
  box.className = `outcome st-${job.status}`;
  if (job.status !== 'succeeded') {
    box.append(errorBlock(job.error ?? { code: job.status, message: t('failTitle') }, title));
    if (job.status === 'needs-attention') box.append(h('p', { class: 'note', text: t('needsAttention') }));
    const offer = job.status === 'failed' ? job.error?.offer : undefined;
    if (offer && offered(offer.playbook)) box.append(offerBlock(box, offer, title));
    return;
  }
  if (job.dryRun) {
    const plan = job.plan ?? job.result?.plan ?? [];
    box.append(h('h3', { text: titled(t('dryTitle'), title) }));
    if (!plan.length) box.append(h('p', { text: t('dryEmpty') }));
    else {
      // The plan names files, commands and diffs: technical details, open for admins.
      box.append(
        technical(
          h('p', { text: t('dryIntro') }),
          h(
            'ol',
            { class: 'plan' },
            plan.map((item) =>
              h(
                'li',
                {},
                h('span', { text: item.summary }),
                item.target ? h('span', { class: 'muted', text: ` (${item.target})` }) : null,
                item.diff
                  ? h('details', {}, h('summary', { text: t('showChange') }), h('pre', { text: item.diff }))
                  : null,
              ),
            ),
          ),
        ),
      );
    }
    box.append(h('p', { class: 'next', text: t('dryNext') }));
    return;
  }
  box.append(h('h3', { text: titled(t('doneTitle'), title) }));
  const result = job.result ?? {};
  const secretKeys = (job.secretKeys ?? []).filter((k) => result[k] !== undefined);
  for (const key of secretKeys) box.append(secretBlock(key, String(result[key])));
  const rows = Object.entries(result).filter(
    ([k, v]) => !secretKeys.includes(k) && v !== '' && v !== null && v !== undefined,
  );
  // Fields the catalogs name are for everyone; the rest (identifiers, serials) are technical details.
  const plain = rows.filter(([k]) => has(`key_${k}`));
  const other = rows.filter(([k]) => !has(`key_${k}`));
  const list = (/** @type {[string, unknown][]} */ entries) =>
    h(
      'dl',
      { class: 'result' },
      entries.map(([k, v]) => [h('dt', { text: keyLabel(k) }), h('dd', { class: 'mono' }, show(k, v))]),
    );
  if (plain.length) box.append(list(plain));
  if (other.length) box.append(technical(list(other)));
}

/** A result value: a date in words, an address as a link, lists joined, anything else as text. */
function show(/** @type {string} */ key, /** @type {unknown} */ v) {
  if (isIsoDate(v)) return formatDay(String(v));
  if (key === 'url' && typeof v === 'string' && /^https?:\/\//.test(v))
    return h('a', { href: v, target: '_blank', rel: 'noopener noreferrer', text: v });
  if (Array.isArray(v)) return v.join(', ');
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** A "Technical details" disclosure: folded for clients, open for admins. */
export function technical(/** @type {import('../dom.js').Child[]} */ ...children) {
  return h(
    'details',
    { class: 'tech', open: state.me?.kind === 'admin' },
    h('summary', { text: t('technicalDetails') }),
    children,
  );
}

/** A secret result: shown in full (it wraps on a phone), with a copy button and the warning. */
function secretBlock(/** @type {string} */ key, /** @type {string} */ value) {
  const labelId = `secret-${key}-label`;
  return h(
    'div',
    { class: 'secret', role: 'alert' },
    h('h4', { text: t('secretTitle') }),
    h('p', { id: labelId, class: 'secret-label', text: keyLabel(key) }),
    copyRow(value, labelId),
    h('p', { class: 'help', text: t('secretHelp') }),
  );
}

/**
 * A value to copy (a password, a login): shown in full, selectable, with its copy button and
 * what the copy did; where the browser refuses, the text is selected for the keyboard.
 * @param {string} value
 * @param {string} labelId the element that names it
 */
export function copyRow(value, labelId) {
  const status = h('p', { class: 'copy-status', role: 'status' });
  const shown = h('code', { class: 'secret-value', tabindex: '0', 'aria-labelledby': labelId, text: value });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      status.textContent = t('copied');
    } catch {
      shown.focus();
      window.getSelection()?.selectAllChildren(shown);
      status.textContent = t('copyFailed');
    }
  };
  return [
    h(
      'div',
      { class: 'secret-row' },
      shown,
      h('button', { type: 'button', class: 'primary', text: t('copy'), 'aria-describedby': labelId, onclick: copy }),
    ),
    status,
  ];
}

/** An error as the API gives it: the message, and the fix (its hint) where the eye goes. */
export function errorBlock(/** @type {ApiErrorBody} */ error, /** @type {string | null | undefined} */ title) {
  return h(
    'div',
    { class: 'failure', role: 'alert' },
    h('h3', { text: titled(t('failTitle'), title) }),
    h('p', { class: 'message', text: error.message }),
    error.hint ? h('div', { class: 'fix' }, h('h4', { text: t('fixTitle') }), h('p', { text: error.hint })) : null,
  );
}

/**
 * The request the failure offers instead ("Secure the 2 names that work now"), sent as it
 * is in one click; what it leaves out is said beside it. Its outcome replaces this one.
 */
function offerBlock(
  /** @type {HTMLElement} */ box,
  /** @type {import('../types.js').Offer} */ offer,
  /** @type {string | null} */ title,
) {
  const count = offer.names.length;
  const send = async () => {
    button.disabled = true;
    box.setAttribute('aria-busy', 'true');
    const job = await runNow(offer.playbook, offer.inputs);
    box.removeAttribute('aria-busy');
    renderOutcome(box, job, title);
  };
  const button = /** @type {HTMLButtonElement} */ (
    h('button', {
      type: 'button',
      class: 'primary',
      text: count === 1 ? t('offerSecureOne') : t('offerSecure', { count }),
      onclick: send,
    })
  );
  return h(
    'div',
    { class: 'offer' },
    h('p', { class: 'mono', text: offer.names.join(', ') }),
    button,
    offer.without.length ? h('p', { class: 'help', text: t('offerLeft', { names: offer.without.join(', ') }) }) : null,
  );
}

/** Shows in the outcome box why a request could not even be made (refused, unreachable). */
export function renderProblem(
  /** @type {HTMLElement} */ box,
  /** @type {unknown} */ err,
  /** @type {string | null | undefined} */ title,
) {
  clear(box);
  box.className = 'outcome st-failed';
  box.append(errorBlock(explain(err), title));
}

/** A short alert in place of a list the API could not give (resources, operations, requests). */
export function problemBox(/** @type {unknown} */ err) {
  const e = explain(err);
  return h(
    'div',
    { class: 'problem', role: 'alert' },
    h('p', { text: e.message }),
    e.hint ? h('p', { text: e.hint }) : null,
  );
}
