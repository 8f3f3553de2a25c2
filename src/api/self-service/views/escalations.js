// @ts-check
// For admins signed in on the same page: the clients who are stuck (GET /v1/escalations),
// each with what was tried and when, each diagnosis, the client's own words and the
// operation to run for them; Take, "Do it for them" and Resolve are one click each.
// Written in the admin's language: clients by their names, what happened in words (the
// same failure three times is one line, "3 times"), each diagnosis as its job tells it
// in that language, the operation in words with its exact inputs folded away.

import { api, explain } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { formatDate, has, language, t } from '../i18n/index.js';
import { changesToSend, mainActions, standing, wordsForms } from './escalation-actions.js';
import { shownName } from '../names.js';
import { opTitle, opWord } from '../op-words.js';
import { state } from '../state.js';

/**
 * @typedef {object} Escalation An escalation, as GET /v1/escalations lists it.
 * @property {string} id
 * @property {string} tenantId
 * @property {string} problem site:<name>, request, operation:<playbook>
 * @property {'open' | 'taken' | 'resolved'} state
 * @property {'noticed' | 'told' | 'handling' | 'resolved'} [stage]
 * @property {{ score: number, priority: 'normal' | 'high' | 'urgent' }} [struggle]
 * @property {{ at: string, kind: string, by?: string }[]} [steps]
 * @property {{ changes: { en: string, fr: string }[] }} [fixToSend]
 * @property {string | null} takenBy
 * @property {string} openedAt
 * @property {string} summary
 * @property {{ at: string, kind: string, message: string, jobId?: string, playbook?: string, diagnosis?: { code?: string, message?: string, hint?: string }, words?: { text: string } }[]} signals
 * @property {{ playbook: string, inputs: Record<string, unknown>, version: string, oneClick: boolean } | null} suggestion
 * @property {{ jobId: string, status?: string } | null} done
 */

/** Draws the open and taken escalations; hidden unless the token is an admin's. */
export async function renderEscalations() {
  const card = byId('escalations-card');
  card.hidden = state.me?.kind !== 'admin';
  if (card.hidden) return;
  const list = byId('escalations');
  try {
    /** @type {Escalation[]} */
    const listed = (await api('GET', '/v1/escalations')).escalations;
    // A site's cause is looked at again: fixed, it is over (and offers nothing); changed, so is its rescue.
    const escalations = (await Promise.all(listed.map(lookAgain))).filter((e) => e.state !== 'resolved');
    const names = await tenantNames();
    const drawn = await Promise.all(
      escalations.map(async (e) => item(e, names.get(e.tenantId) ?? e.tenantId, await diagnoses(e))),
    );
    clear(list);
    if (!escalations.length) list.append(h('p', { class: 'muted', text: t('escalationsNone') }));
    for (const e of drawn) list.append(e);
  } catch (err) {
    clear(list).append(h('p', { class: 'problem', text: explain(err).message }));
  }
}

/** A site's escalation as it stands now (GET /v1/escalations/:id checks its cause again); any other as listed. */
async function lookAgain(/** @type {Escalation} */ e) {
  if (!e.problem?.startsWith('site:')) return e;
  try {
    return /** @type {Escalation} */ ((await api('GET', `/v1/escalations/${encodeURIComponent(e.id)}`)).escalation);
  } catch {
    return e;
  }
}

/** Tenants' names by id; an unreadable list leaves ids (the page still works). */
async function tenantNames() {
  try {
    /** @type {{ id: string, name?: string }[]} */
    const tenants = (await api('GET', '/v1/tenants')).tenants;
    return new Map(tenants.map((x) => [x.id, x.name || x.id]));
  } catch {
    return new Map();
  }
}

/**
 * @typedef {object} Group The same thing happening again: one line, with how many times.
 * @property {Escalation['signals'][number]} last
 * @property {number} count
 */

/** Signals that say the same thing (same kind, operation, diagnosis and words), in order of their last time. */
function grouped(/** @type {Escalation} */ e) {
  /** @type {Map<string, Group>} */
  const groups = new Map();
  for (const s of e.signals) {
    const key = JSON.stringify([
      s.kind,
      s.playbook ?? '',
      s.diagnosis?.code ?? '',
      s.diagnosis?.message ?? '',
      s.words?.text ?? '',
    ]);
    const g = groups.get(key);
    groups.delete(key);
    groups.set(key, { last: s, count: (g?.count ?? 0) + 1 });
  }
  return [...groups.values()];
}

/** Each diagnosis as its job tells it in the page's language (the signals keep the words of the day, in English). */
async function diagnoses(/** @type {Escalation} */ e) {
  /** @type {Map<string, { message?: string, hint?: string }>} */
  const said = new Map();
  const ids = [
    ...new Set(
      grouped(e)
        .map((g) => g.last.jobId)
        .filter((id) => typeof id === 'string'),
    ),
  ];
  await Promise.all(
    ids.map(async (id) => {
      try {
        const job = (await api('GET', `/v1/jobs/${encodeURIComponent(String(id))}`)).job;
        if (job?.error) said.set(String(id), job.error);
      } catch {
        // The signal's own words stay.
      }
    }),
  );
  return said;
}

/** An operation in its words: `done` for what happened, `button` for what to do; else its title. */
const opWords = (/** @type {'done' | 'button'} */ key, /** @type {string | undefined} */ playbook) =>
  opWord(playbook, key) ?? opTitle(playbook);

/** The name an operation works on, from its inputs (a site, a domain, a database; a provider's: its first written input). */
function nameIn(/** @type {Record<string, unknown>} */ inputs) {
  const v = Array.isArray(inputs.domains)
    ? inputs.domains[0]
    : (inputs.domain ?? inputs.site ?? inputs.name ?? Object.values(inputs).find((x) => typeof x === 'string'));
  return typeof v === 'string' ? shownName(v) : '';
}

/** What one signal says, in the page's language. */
function signalWords(/** @type {Escalation['signals'][number]} */ s) {
  const key = `esc_${s.kind}`;
  return has(key) ? t(key, { what: opWords('done', s.playbook) }) : s.message;
}

/**
 * One escalation: the client's name and the problem, what happened (each thing once,
 * with how many times), the diagnosis with what to do first, the operation in words, the buttons.
 * @param {Escalation} e
 * @param {string} tenantName
 * @param {Map<string, { message?: string, hint?: string }>} said
 */
function item(e, tenantName, said) {
  const groups = grouped(e);
  const first = groups[0]?.last;
  const topic = e.suggestion
    ? nameIn(e.suggestion.inputs)
    : e.problem?.startsWith('site:')
      ? shownName(e.problem.slice(5))
      : '';
  // The change to send is shown once, as the rescue: not again as each failure's "what to do".
  const toSend = new Set((e.fixToSend?.changes ?? []).map((c) => (language() === 'fr' ? c.fr : c.en)));
  return h(
    'article',
    { class: 'escalation', 'data-id': e.id },
    h(
      'p',
      { class: 'escalation-title' },
      h('strong', { text: tenantName }),
      ` — ${first ? signalWords(first) : e.summary}${topic ? ` (${topic})` : ''}`,
    ),
    standing(e),
    e.suggestion
      ? h(
          'p',
          null,
          h('strong', { text: `${t('escalationSuggested')} ` }),
          `${opWords('button', e.suggestion.playbook)}${topic ? ` — ${topic}` : ''}`,
        )
      : null,
    changesToSend(e, language()),
    mainActions(e, renderEscalations),
    h(
      'ul',
      null,
      groups.map(({ last: s, count }) => {
        const d = (s.jobId && said.get(s.jobId)) || s.diagnosis;
        return h(
          'li',
          null,
          h('time', { class: 'muted', datetime: s.at, text: `${formatDate(s.at)} ` }),
          signalWords(s),
          count > 1 ? h('strong', { class: 'count', text: ` ${t('escTimes', { count })}` }) : null,
          d?.hint && !toSend.has(d.hint)
            ? h('p', { class: 'fix-line' }, h('strong', { text: `${t('whatToDo')} ` }), d.hint)
            : null,
          d?.message ? h('p', { class: 'muted', text: d.message }) : null,
          s.words ? h('q', { text: s.words.text }) : null,
        );
      }),
    ),
    e.suggestion
      ? h(
          'details',
          { class: 'tech' },
          h('summary', { text: t('technicalDetails') }),
          h('code', { text: `${e.suggestion.playbook} ${JSON.stringify(e.suggestion.inputs)}` }),
        )
      : null,
    e.suggestion && !e.suggestion.oneClick ? h('p', { class: 'muted', text: t('escalationNotOneClick') }) : null,
    e.done
      ? h('p', {
          class: 'muted',
          text: t('escalationStarted', { status: e.done.status ? t(`status_${e.done.status}`) : t('status_running') }),
        })
      : null,
    wordsForms(e, renderEscalations),
  );
}
