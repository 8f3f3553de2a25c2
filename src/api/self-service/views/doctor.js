// @ts-check
// "Check my domain": the certificate preflight, each check with its status in words and its fix.

import { api, explain } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { state } from '../state.js';
import { shownName } from '../names.js';
import { problemBox, technical } from './outcome.js';

/** @typedef {import('../types.js').Check} Check */

/** Problems first, then warnings, then what is fine. */
const RANK = /** @type {Record<string, number>} */ ({ failure: 0, warning: 1, ok: 2 });

/** Checks the names typed in the form and shows what was found, problems first. */
export async function doctor(/** @type {SubmitEvent} */ event) {
  event.preventDefault();
  const box = clear(byId('doctor-result'));
  const input = /** @type {HTMLInputElement} */ (byId('doctor-domains'));
  const domains = input.value.split(/[\s,]+/).filter(Boolean);
  if (!domains.length) {
    box.append(h('p', { class: 'problem', role: 'alert', text: t('doctorEmpty') }));
    input.focus();
    return;
  }
  const button = /** @type {HTMLButtonElement} */ (byId('doctor-form').querySelector('button'));
  button.disabled = true;
  box.append(h('p', { class: 'status-line', text: t('doctorChecking') }));
  try {
    /** @type {import('../types.js').DoctorAnswer} */
    const d = await api('POST', '/v1/doctor', { domains });
    clear(box);
    box.append(
      h('p', { class: `summary ${d.ok ? 'st-ok' : 'st-failure'}`, text: d.ok ? t('doctorOk') : t('doctorNotOk') }),
    );
    // Problems first, each with its fix; what passed is folded into one line that opens.
    const checks = [...d.checks].sort((a, b) => (RANK[a.status] ?? 3) - (RANK[b.status] ?? 3));
    const problems = checks.filter((c) => c.status !== 'ok');
    const passed = checks.filter((c) => c.status === 'ok');
    if (problems.length) box.append(h('ul', { class: 'checks' }, problems.map(checkItem)));
    if (passed.length)
      box.append(
        h(
          'details',
          { class: 'passed' },
          h('summary', { text: t('doctorPassed', { count: passed.length }) }),
          h('ul', { class: 'checks' }, passed.map(checkItem)),
        ),
      );
  } catch (err) {
    const e = explain(err);
    // A name that is not the client's: say so, and who to ask, rather than "not found".
    if ((e.code === 'not_yours' || e.code === 'not_found') && state.me?.kind === 'client') {
      // The server names the domain as it read it ("https://www.Exemple.fr/boutique" is www.exemple.fr).
      const said = e.code === 'not_yours' ? e.message : t('notYoursName', { name: domains.join(' ') });
      clear(box).append(
        h(
          'div',
          { class: 'problem', role: 'alert' },
          h('p', { text: said }),
          h('p', { text: t('notYoursAsk', { provider: state.brand?.name ?? t('yourProvider') }) }),
        ),
      );
      return;
    }
    clear(box).append(problemBox(err));
  } finally {
    button.disabled = false;
  }
}

/** One check: its status as a word (not only a colour), its title and name, what it means, the fix, then the records behind it. */
function checkItem(/** @type {Check} */ c) {
  return h(
    'li',
    { class: `check-item st-${c.status}` },
    h(
      'p',
      { class: 'check-head' },
      h('span', { class: `badge st-${c.status}`, text: t(`check_${c.status}`) }),
      ' ',
      h('strong', { text: c.title }),
      ' ',
      h('span', { class: 'muted mono', text: shownName(c.domain) }),
    ),
    c.message ? h('p', { text: c.message }) : null,
    c.fix && c.status !== 'ok' ? h('p', { class: 'fix-line' }, h('strong', { text: `${t('fix')} ` }), c.fix) : null,
    c.status !== 'ok' ? records(c) : null,
  );
}

/**
 * The exact records behind a problem, folded away as "Technical details" (open for admins):
 * the words above are for the client, these are for whoever manages their domain.
 */
function records(/** @type {Check} */ c) {
  /** @type {[string, string][]} */
  const rows = [];
  if (c.technical) rows.push([t('tech_forTechnician'), c.technical]);
  if (c.repair?.summary) rows.push([t('tech_change'), c.repair.summary]);
  for (const [k, v] of Object.entries(c.detail ?? {})) {
    if (v === undefined || v === null || (Array.isArray(v) && !v.length)) continue;
    rows.push([
      k,
      typeof v === 'string'
        ? v
        : Array.isArray(v) && v.every((x) => typeof x === 'string')
          ? v.join(', ')
          : JSON.stringify(v),
    ]);
  }
  if (!rows.length) return null;
  return technical(
    h(
      'dl',
      { class: 'result' },
      rows.map(([k, v]) => [h('dt', { text: k }), h('dd', { class: 'mono', text: v })]),
    ),
  );
}
