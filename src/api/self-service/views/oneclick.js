// @ts-check
// One-click operations: a button on a site runs its operation with values the page
// already knows (the site's names, its certificate), follows it, and says how it went.

import { api, explain } from '../api.js';
import { follow } from '../follow.js';
import { state } from '../state.js';

/** @typedef {import('../types.js').Job} Job */

/** Whether this caller may run an operation on this daemon (a client without a DNS provider has no repair). */
export function offered(/** @type {string} */ playbook) {
  return state.playbooks.some((p) => p.name === playbook);
}

/**
 * Runs an operation now (not a check) and waits for its end. A refusal comes back as a
 * failed job-like answer, so the caller shows one kind of outcome.
 * @param {string} playbook
 * @param {Record<string, unknown>} inputs
 * @returns {Promise<Job>}
 */
export async function runNow(playbook, inputs) {
  try {
    /** @type {{ job: Job }} */
    const { job } = await api('POST', '/v1/jobs', { playbook, inputs, dryRun: false });
    return await follow(job.id);
  } catch (err) {
    return { id: '', playbook, status: 'failed', dryRun: false, error: explain(err), createdAt: '' };
  }
}
