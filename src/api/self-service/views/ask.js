// @ts-check
// "What do you need?": a request in the client's own words (POST /v1/requests). The
// answer is what will be done with one button to confirm (one per request when the
// message asked for several, in order), one question with its choices, what the checks
// of a site found with "Fix it for me", or the word that a person takes over, about what.
// Nothing runs before the click.

import { api } from '../api.js';
import { byId, clear, h } from '../dom.js';
import { t } from '../i18n/index.js';
import { loadHome } from './home.js';
import { renderProblem } from './outcome.js';
import { proposalBlock } from './proposal.js';

/** @typedef {import('./proposal.js').Proposal} Proposal */
/** @typedef {{ label: string, proposal?: Proposal, intent?: string, site?: string }} Choice */
/** @typedef {{ status: 'failure' | 'warning', message: string, fix?: string }} Finding */
/** @typedef {{ site: string, ok: boolean, findings: Finding[], person: boolean }} Diagnosis */
/**
 * @typedef {object} Understood The answer of POST /v1/requests.
 * @property {'proposal' | 'question' | 'handoff' | 'diagnosis'} status
 * @property {string | null} intent
 * @property {string[]} [intents]
 * @property {string} sentence
 * @property {string} [warning]
 * @property {string} [topic]
 * @property {Proposal} [proposal]
 * @property {Proposal[]} [proposals]
 * @property {Diagnosis} [diagnosis]
 * @property {{ field: string, choices: Choice[] }} [question]
 */

/**
 * Sends what was typed (and what was picked, when a question was asked) and shows the answer.
 * @param {SubmitEvent | null} event
 * @param {{ intent?: string, site?: string }} [picked]
 */
export async function ask(event, picked = {}) {
  event?.preventDefault();
  const box = clear(byId('ask-result'));
  const input = /** @type {HTMLTextAreaElement} */ (byId('ask-text'));
  const text = input.value.trim();
  if (!text) {
    box.append(h('p', { class: 'problem', role: 'alert', text: t('askEmpty') }));
    input.focus();
    return;
  }
  box.append(h('p', { class: 'status-line', text: t('askThinking') }));
  try {
    /** @type {Understood} */
    const u = await api('POST', '/v1/requests', {
      text,
      ...(picked.intent ? { intent: picked.intent } : {}),
      ...(picked.site ? { site: picked.site } : {}),
    });
    show(box, u);
  } catch (err) {
    renderProblem(clear(box), err, null);
  }
}

/** The answer: proposals to confirm, a diagnosis, a question whose choices lead to one, or a handover. */
function show(/** @type {HTMLElement} */ box, /** @type {Understood} */ u) {
  clear(box);
  // A password or key was in the words (hidden before anyone read them): what to do now comes first.
  if (u.warning) box.append(h('p', { class: 'problem', role: 'alert', text: u.warning }));
  if (u.status === 'diagnosis' && u.diagnosis) return diagnosis(box, u, u.diagnosis);
  const proposals = u.proposals?.length ? u.proposals : u.proposal ? [u.proposal] : [];
  if (u.status === 'proposal' && proposals.length) return several(box, proposals);
  if (u.status === 'handoff') return handoff(box, u);
  box.append(h('p', { class: 'ask-sentence', text: u.sentence }));
  if (u.status !== 'question' || !u.question) return;
  // A choice of site is sent back with the operation already understood, unless the message asked for several.
  const known = u.intents && u.intents.length === 1 && u.intent ? u.intent : undefined;
  if (u.proposals?.length)
    box.append(h('p', { class: 'help', text: t('askThenAll', { count: u.proposals.length + 1 }) }));
  box.append(
    h(
      'div',
      { class: 'actions ask-choices' },
      u.question.choices.map((c) =>
        h('button', {
          type: 'button',
          class: 'secondary',
          text: c.label,
          // A choice that completes one request of several: all of them, in the order asked.
          onclick: () =>
            c.proposal
              ? several(clear(box), inOrder([c.proposal, ...(u.proposals ?? [])], u.intents ?? []))
              : void ask(null, { intent: c.intent ?? (c.site ? known : undefined), site: c.site }),
        }),
      ),
    ),
  );
}

/** Proposals in the order the message asked for them (their operations' order in `intents`). */
function inOrder(/** @type {Proposal[]} */ proposals, /** @type {string[]} */ intents) {
  const rank = (/** @type {Proposal} */ p) =>
    intents.includes(p.playbook) ? intents.indexOf(p.playbook) : intents.length;
  return [...proposals].sort((a, b) => rank(a) - rank(b));
}

/** One proposal with its button; several (asked in one message) in the order asked, each with its own. */
function several(/** @type {HTMLElement} */ box, /** @type {Proposal[]} */ proposals) {
  if (proposals.length === 1) {
    box.append(proposalBlock(proposals[0]));
  } else {
    box.append(
      h('p', { class: 'ask-lead', text: t('askSeveral', { count: proposals.length }) }),
      h(
        'ol',
        { class: 'ask-proposals' },
        proposals.map((p) => h('li', {}, proposalBlock(p))),
      ),
    );
  }
  /** @type {HTMLElement | null} */ (box.querySelector('input, button:not([disabled])'))?.focus();
}

/**
 * What the checks of a site found: what to do first (press "Fix it for me", or nothing:
 * a person has it), what was found in words, then each finding folded for whoever wants them.
 */
function diagnosis(/** @type {HTMLElement} */ box, /** @type {Understood} */ u, /** @type {Diagnosis} */ d) {
  const fix = d.person ? undefined : u.proposal;
  const lead = h('h3', {
    class: 'ask-lead',
    text: fix
      ? t('diagLeadFix', { site: d.site })
      : d.ok
        ? t('diagLeadFine', { site: d.site })
        : t('diagLeadPerson', { site: d.site }),
  });
  box.append(lead, h('p', { class: 'ask-sentence', text: u.sentence }));
  // Once fixed, "press Fix it for me" would point at a button that is gone: what was done says it.
  if (fix) box.append(proposalBlock(fix, { label: t('fixForMe'), sentence: false, done: () => lead.remove() }));
  if (d.findings.length > 1) {
    box.append(
      h(
        'details',
        { class: 'findings' },
        h('summary', { text: t('diagFound', { count: d.findings.length }) }),
        h(
          'ul',
          {},
          d.findings.map((f) =>
            h(
              'li',
              { class: `finding st-${f.status}` },
              h('span', { text: f.message }),
              f.fix ? h('span', { class: 'muted', text: ` ${f.fix}` }) : null,
            ),
          ),
        ),
      ),
    );
  }
  if (!fix) followHandover(box);
  else /** @type {HTMLElement | null} */ (box.querySelector('button'))?.focus();
}

/** Handed to a person: what about, in plain words, then their sentence; the request stays on top of the page. */
function handoff(/** @type {HTMLElement} */ box, /** @type {Understood} */ u) {
  const topic = u.topic && u.topic !== 'other' ? `topic_${u.topic}` : 'topic_other';
  box.append(h('h3', { class: 'ask-lead', text: t(topic) }), h('p', { class: 'ask-sentence', text: u.sentence }));
  followHandover(box);
}

/** Where to follow a request a person took: the conversation at the top of the page, drawn again now. */
function followHandover(/** @type {HTMLElement} */ box) {
  box.append(h('p', { class: 'help', text: t('askFollow') }));
  void loadHome();
}
