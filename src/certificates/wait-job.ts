import { TERMINAL, type Job } from '../store/jobs.js';
import type { RenewalEngine } from './maintain.js';

/**
 * The job once it has ended: the engine's 'finished' event when this daemon ran it,
 * otherwise polling the store with backoff (another daemon sharing the store may run it).
 * Undefined when `signal` aborts first (the maintenance stops).
 */
export function waitForJob(engine: RenewalEngine, job: Job, signal: AbortSignal): Promise<Job | undefined> {
  if (TERMINAL.includes(job.status)) return Promise.resolve(job);
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let delay = 250;
    const settle = (value: Job | undefined) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      engine.events.off('finished', onFinished);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onFinished = (finished: Job) => {
      if (finished.id === job.id) settle(finished);
    };
    const onAbort = () => settle(undefined);
    const poll = async () => {
      const current = await engine.services.store.jobs.get(job.id).catch(() => undefined);
      if (settled) return;
      if (current && TERMINAL.includes(current.status)) return settle(current);
      delay = Math.min(delay * 2, 10_000);
      timer = setTimeout(() => void poll(), delay);
    };
    engine.events.on('finished', onFinished);
    signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => void poll(), delay);
  });
}
