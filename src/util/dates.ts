import type { Language } from '../errors.js';

/**
 * A date in words in the client's language: "3 March 2027", « 3 mars 2027 ». One function for
 * every message (emails, the preflight), so a date reads the same wherever a client meets it.
 * `timeZone` is where the day is counted: the server's own unless a time is UTC by nature
 * (a DNSSEC signature's expiry is).
 */
export function dateInWords(at: Date | string, lang: Language, timeZone?: string): string {
  return new Intl.DateTimeFormat(lang === 'fr' ? 'fr-FR' : 'en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(at));
}
