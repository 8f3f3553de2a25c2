// @ts-check
// A job's live progress: its server-sent events, read with fetch (EventSource cannot
// send the token), until the `end` event.

import { authHeaders, FETCH_OPTIONS } from './api.js';

/** @typedef {{ event: string, data: string, id?: string }} JobEvent One server-sent event: its name and its JSON text. */

/**
 * Reads a job's events and hands each to onEvent; returns when the job has ended. Throws
 * when there is no stream (a proxy may buffer it): the caller then reads the job instead.
 * @param {string} id
 * @param {(ev: JobEvent) => void} onEvent
 */
export async function streamJob(id, onEvent) {
  const res = await fetch(`/v1/jobs/${encodeURIComponent(id)}/events`, { headers: authHeaders(), ...FETCH_OPTIONS });
  if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, '\n');
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const ev = parseBlock(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (ev.event === 'end') {
        await reader.cancel().catch(() => undefined);
        return;
      }
      onEvent(ev);
    }
  }
}

/** One event block (`event:`, `data:`, `id:` lines; comments ignored). @returns {JobEvent} */
function parseBlock(/** @type {string} */ block) {
  /** @type {JobEvent} */
  const ev = { event: 'message', data: '' };
  for (const line of block.split('\n')) {
    const m = /^(event|data|id):\s?(.*)$/.exec(line);
    if (m && m[1] === 'data') ev.data += (ev.data ? '\n' : '') + m[2];
    else if (m && m[1] === 'event') ev.event = m[2];
    else if (m) ev.id = m[2];
  }
  return ev;
}
