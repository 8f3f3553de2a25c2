// @ts-check
// serein self-service: one page, no framework, no build. This module starts it: it wires
// the page's forms and buttons to the views, and signs back in after a reload.
// (The page's fixed markup is index.html; its words are in i18n/, its views in views/.)

import { onSessionEnded } from './api.js';
import { byId } from './dom.js';
import { ask } from './views/ask.js';
import { loadBrand } from './views/brand.js';
import { state, TOKEN_KEY } from './state.js';
import { doctor } from './views/doctor.js';
import { collectValues } from './views/form.js';
import { buildLanguageSwitch, pickLanguage, saveChoice, savedChoice } from './views/header.js';
import { loadAll, loadHome } from './views/home.js';
import { closePlaybook, openPlaybook } from './views/operations.js';
import { run } from './views/run.js';
import { showSignIn, signIn, signOut, tokenProblem } from './views/session.js';

/** The switch was pressed: speak that language from now on, and redraw with what was typed kept. */
async function switchLanguage(/** @type {string} */ lang) {
  saveChoice(lang);
  pickLanguage();
  if (!state.token) return;
  const open = collectValues();
  // A domain check on screen is asked again, so its answer speaks the new language too.
  if (byId('doctor-result').childElementCount) /** @type {HTMLFormElement} */ (byId('doctor-form')).requestSubmit();
  await loadAll();
  if (open && state.playbooks.some((p) => p.name === open.playbook)) openPlaybook(open.playbook, open.values, false);
}

function start() {
  state.choice = savedChoice();
  buildLanguageSwitch((lang) => void switchLanguage(lang));
  pickLanguage();
  void loadBrand();
  onSessionEnded((message) => signOut(message));
  byId('sign-out').addEventListener('click', () => signOut());
  byId('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ (byId('token'));
    const token = input.value.trim();
    const problem = tokenProblem(token);
    if (problem) {
      showSignIn(problem);
      input.focus();
      return;
    }
    void signIn(token, { remember: true });
  });
  byId('run-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const submitter = /** @type {HTMLButtonElement | null} */ (/** @type {SubmitEvent} */ (event).submitter);
    void run(submitter?.value !== 'run');
  });
  byId('run-close').addEventListener('click', closePlaybook);
  byId('doctor-form').addEventListener('submit', (event) => void doctor(/** @type {SubmitEvent} */ (event)));
  byId('ask-form').addEventListener('submit', (event) => void ask(/** @type {SubmitEvent} */ (event)));
  byId('jobs-refresh').addEventListener('click', () => void loadHome());
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) void signIn(saved, { remember: false });
  else showSignIn(undefined);
}

start();
