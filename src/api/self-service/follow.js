// @ts-check
// Following a request until it is finished: its live steps, then its outcome, read once.

import { api } from './api.js';
import { sleep } from './dom.js';
import { streamJob } from './events.js';
import { TERMINAL } from './state.js';

/** @typedef {import('./types.js').Job} Job */
/** @typedef {{ step: string, phase?: string, status: string, title?: Record<string, string> }} StepEvent A step starting, done or undone. */

/**
 * @typedef {object} Watcher What the page does as the job moves on.
 * @property {(status: Job['status']) => void} [onStatus] The job is waiting or running.
 * @property {(step: StepEvent) => void} [onStep] A step changed.
 */

/** Follows a job live (its event stream), then reads its outcome once: a secret in it is given only once. */
export async function follow(/** @type {string} */ id, /** @type {Watcher} */ watcher = {}) {
  try {
    await streamJob(id, (ev) => {
      /** @type {{ message?: string, data?: StepEvent }} */
      let data = {};
      try {
        data = JSON.parse(ev.data || '{}');
      } catch {
        return;
      }
      if (ev.event === 'status' && data.message === 'running') watcher.onStatus?.('running');
      if (ev.event === 'step' && data.data?.step) watcher.onStep?.(data.data);
    });
  } catch {
    /* no stream (a proxy may buffer it): ask now and then instead */
  }
  return readFinished(id, watcher);
}

/**
 * Reads the job until it is finished. The read that finds it finished is the one that
 * carries a shown-once secret, with `secretKeys` naming its fields: it is read once only.
 * @returns {Promise<Job>}
 */
export async function readFinished(/** @type {string} */ id, /** @type {Watcher} */ watcher = {}) {
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    /** @type {{ job: Job }} */
    const { job } = await api('GET', `/v1/jobs/${encodeURIComponent(id)}`);
    if (TERMINAL.includes(job.status)) return job;
    watcher.onStatus?.(job.status);
    await sleep(delay);
  }
}
