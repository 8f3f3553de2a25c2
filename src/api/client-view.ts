import type { Language } from '../errors.js';
import type { JobEvent } from '../store/jobs.js';
import type { ServerWords } from './server-words.js';

/**
 * What a client reads of a job, a resource or a job's event: the one place that shapes
 * them for a client caller (admins read them whole). Server paths are for admins
 * (README "Security"): fields that only locate the server's own files are left out, a
 * plan's commands too; every other path is told in words (src/api/server-words.ts), a
 * diff of a site's nginx file names the site, and an event keeps no admin detail.
 */

/** Fields that only say where the server keeps a site's files: its nginx file and logs. */
const SERVER_FILE_FIELDS = ['file', 'accessLog', 'errorLog'];

type Fields = Record<string, unknown>;

const without = (o: Fields, keys: readonly string[]): Fields =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** One plan item for a client: no command line (the server's programs and files), the diff's file named in words. */
function clientPlanItem(item: unknown, language: Language): unknown {
  if (!item || typeof item !== 'object') return item;
  const shown = without(item as Fields, ['argv']);
  if (typeof shown.diff === 'string') shown.diff = diffHeaders(shown.diff, language);
  return shown;
}

/** A unified diff's `--- a` and `+++ b` lines: "nothing" rather than /dev/null (the paths are put in words after). */
function diffHeaders(diff: string, language: Language): string {
  const nothing = language === 'fr' ? '(rien)' : '(nothing)';
  return diff.replace(/^(---|\+\+\+) \/dev\/null$/gm, `$1 ${nothing}`);
}

const clientPlan = (plan: unknown, language: Language) =>
  Array.isArray(plan) ? plan.map((item) => clientPlanItem(item, language)) : plan;

/**
 * A job as the API shows it (presentJob), as a client reads it: its plan without
 * commands, its result without the server's file fields, and every path left (in the
 * inputs an admin gave, the plan, the result, the error) told in words.
 */
export function clientJob<J extends { plan?: unknown; result?: Fields | null }>(
  job: J,
  words: ServerWords,
  language: Language,
): J {
  const result = job.result && without(job.result, SERVER_FILE_FIELDS);
  if (result && 'plan' in result) result.plan = clientPlan(result.plan, language);
  return words.value({ ...job, plan: clientPlan(job.plan, language), result }, language);
}

/** A resource as a client reads it: a site's record without its nginx file and logs, its folder in words. */
export function clientResource<R extends { data?: Fields | null }>(
  resource: R,
  words: ServerWords,
  language: Language,
): R {
  return words.value({ ...resource, data: resource.data && without(resource.data, SERVER_FILE_FIELDS) }, language);
}

/** An event of a job's stream as the API sends it (the SSE `data`). */
export interface EventPayload {
  at: string;
  message: string;
  data?: unknown;
}

/** How one stream shows a job's events to its caller. */
export type EventView = (e: JobEvent) => EventPayload;

/** An event as an admin reads it: whole. */
export const wholeEvent: EventView = (e) => ({ at: e.at, message: e.message, data: e.data });

/**
 * An event of a job's stream as a client reads it. An error keeps its code but not its
 * admin detail; a failed undo says which step could not be undone, not the system's
 * error (which names files and commands: the admins are alerted with it).
 */
export function clientEvent(e: JobEvent, words: ServerWords, language: Language): EventPayload {
  let message = e.message;
  let data = e.data;
  if (e.kind === 'error' && data && typeof data === 'object') {
    const d = without(data as Fields, ['detail']);
    if (typeof d.step === 'string')
      message = d.status === 'running' ? `undoing ${d.step} failed; trying again` : `undoing ${d.step} failed`;
    data = d;
  }
  return words.value({ at: e.at, message, data }, language);
}
