// @ts-check
// The tenant's trash (deleted databases and site files, kept for a while, each back in
// one click; a name that is taken asks for another) and the space its sites and
// databases use, as last measured in the background (the page never measures).

import { api } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { formatDay, language, t } from '../i18n/index.js';
import { offered, runNow } from './oneclick.js';
import { renderOutcome } from './outcome.js';

/** @typedef {{ id: string, kind: 'database' | 'site', name: string, server?: string, bytes: number, deletedAt: string, expiresAt: string, restoredAt: string | null }} TrashEntry */
/** @typedef {{ kind: string, name: string, bytes: number, measuredAt: string }} UsageEntry */

/** A size in the page's language: "1.2 GB", « 1,2 Go » (1000-based, one decimal at most). */
export function size(/** @type {number} */ bytes) {
  const units = t('sizeUnits').split(' ');
  let v = Math.max(0, bytes);
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const n = new Intl.NumberFormat(t('locale'), { maximumFractionDigits: i === 0 ? 0 : 1 }).format(v);
  return `${n}${language() === 'fr' ? '\u00a0' : ' '}${units[i]}`;
}

/** Draws the trash and the space used; each reads its own list and never fails the home. */
export async function renderTrashAndUsage() {
  await Promise.all([renderTrash(), renderUsage()]);
}

async function renderTrash() {
  const box = byId('trash');
  /** @type {{ trash: TrashEntry[], keepDays: number }} */
  let data;
  try {
    data = await api('GET', '/v1/trash');
  } catch {
    return;
  }
  clear(box);
  if (!data.trash.length) {
    box.append(h('p', { class: 'empty', text: t('trashEmpty', { days: data.keepDays }) }));
    return;
  }
  box.append(h('p', { class: 'muted', text: t('trashIntro', { days: data.keepDays }) }));
  box.append(h('ul', { class: 'plain trash' }, data.trash.map(line)));
}

/** One copy: what it is, when it was deleted and until when it is kept, and its button. */
function line(/** @type {TrashEntry} */ item) {
  const out = h('div', { 'aria-live': 'polite' });
  const words = t(item.kind === 'database' ? 'trashDatabase' : 'trashSite', {
    name: item.name,
    deleted: formatDay(item.deletedAt),
    until: formatDay(item.expiresAt),
    size: size(item.bytes),
  });
  const button = offered('trash.restore')
    ? h('button', { type: 'button', class: 'secondary', text: t('trashRestore') })
    : null;
  button?.addEventListener('click', () => void restore(item, {}, out, /** @type {HTMLButtonElement} */ (button)));
  const restored = item.restoredAt
    ? h('span', { class: 'muted', text: ` ${t('trashRestoredOn', { day: formatDay(item.restoredAt) })}` })
    : null;
  return h('li', {}, h('span', { text: words }), restored, ' ', button, out);
}

/**
 * Restores in one click; a name that is taken is never restored over: the answer says so
 * and offers the other name the client can accept as it is, or change.
 * @param {TrashEntry} item
 * @param {Record<string, string>} extra
 * @param {HTMLElement} out
 * @param {HTMLButtonElement} button
 */
async function restore(item, extra, out, button) {
  button.disabled = true;
  const job = await runNow('trash.restore', { item: item.id, ...extra });
  renderOutcome(out, job, t('trashRestoreTitle', { name: item.name }));
  if (job.status === 'failed' && job.error?.code === 'restore_name_taken') out.append(otherName(item, out));
  button.disabled = job.status === 'succeeded';
}

/** The choice after a refusal: another name, suggested and valid, or the client's own. */
function otherName(/** @type {TrashEntry} */ item, /** @type {HTMLElement} */ out) {
  const db = item.kind === 'database';
  const short = item.name.slice(item.name.indexOf('_') + 1);
  const input = /** @type {HTMLInputElement} */ (
    h('input', {
      type: 'text',
      required: true,
      value: db ? `${short.slice(0, 11)}_old` : `old.${item.name}`,
      ...(db ? { pattern: '^[a-z][a-z0-9_]{0,14}$', maxlength: 15 } : {}),
    })
  );
  const go = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', text: t('trashRestoreAs') }));
  go.addEventListener('click', () => {
    const value = input.value.trim();
    if (value) void restore(item, db ? { name: value } : { site: value }, out, go);
  });
  return h(
    'p',
    { class: 'other-name' },
    h('label', {}, t(db ? 'trashOtherName' : 'trashOtherSite'), ' ', input),
    ' ',
    go,
  );
}

async function renderUsage() {
  const box = byId('usage');
  /** @type {{ usage: UsageEntry[], totalBytes: number, quotaBytes: number | null }} */
  let data;
  try {
    data = await api('GET', '/v1/usage');
  } catch {
    return;
  }
  clear(box);
  if (!data.usage.length) {
    box.append(h('p', { class: 'empty', text: t('usageNone') }));
    return;
  }
  const q = data.quotaBytes;
  const near = q ? data.totalBytes >= q * 0.9 : false;
  box.append(
    h('p', {
      class: near ? 'summary-title st-problem' : 'summary-title',
      text: q
        ? t(near ? 'usageNear' : 'usageOfQuota', {
            used: size(data.totalBytes),
            quota: size(q),
            percent: Math.round((data.totalBytes / q) * 100),
          })
        : t('usageTotal', { used: size(data.totalBytes) }),
    }),
  );
  box.append(
    h(
      'ul',
      { class: 'plain usage' },
      data.usage.map((u) =>
        h(
          'li',
          {},
          h('strong', { class: 'mono', text: u.kind === 'database' ? u.name.slice(u.name.indexOf(':') + 1) : u.name }),
          ' ',
          h('span', { text: t('usageUsed', { size: size(u.bytes) }) }),
        ),
      ),
    ),
  );
  const last = data.usage
    .map((u) => u.measuredAt)
    .sort()
    .pop();
  box.append(h('p', { class: 'muted', text: t('usageMeasured', { day: formatDay(last) }) }));
}
