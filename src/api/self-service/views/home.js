// @ts-check
// The signed-in page as a whole.

import { loadJobs } from './jobs.js';
import { loadPlaybooks } from './operations.js';
import { loadResources } from './resources.js';

/** Reads and draws everything the signed-in page shows, at once (after signing in or switching language). */
export async function loadAll() {
  await Promise.all([loadResources(), loadPlaybooks(), loadJobs()]);
}
