import { domainToUnicode } from 'node:url';
import type { Localized } from '../errors.js';

/** The small words every message file of the diagnosis writes with. */

/** One sentence in English and French. */
export const L = (en: string, fr: string): Localized => ({ en, fr });
/** French typography: a non-breaking space before « : ; ? ! » (in the sentences written with it). */
export const NB = '\u00a0';

/** An address family, as the checks name it. */
export type Family = 'ipv4' | 'ipv6';
/** The family's name in both languages. */
export const fam = (f: Family): Localized => (f === 'ipv6' ? L('IPv6', 'IPv6') : L('IPv4', 'IPv4'));

/**
 * Where a client makes a change to their domain, in words they know (the records themselves
 * are in each check's detail and repair, for whoever makes the change).
 */
export const atDomain = L(
  'at the company that manages your domain (often where you bought it)',
  "chez la société qui gère votre domaine (souvent là où vous l'avez acheté)",
);
/** The same, starting a sentence. */
export const AT_DOMAIN = L(`A${atDomain.en.slice(1)}`, `C${atDomain.fr.slice(1)}`);

/** A name with an encoded international label (xn--): one run of labels, the encoded one among them. */
const ENCODED = /(?<![\w.-])(?:[a-z0-9-]+\.)*xn--[a-z0-9-]+(?:\.[a-z0-9-]+)*/gi;

/**
 * Every international name in a sentence in the letters people write it with
 * ("bücher.fr", not "xn--bcher-kva.fr"), which is how the client typed it and knows it.
 * A label that does not decode stays as it is (the syntax check is about it).
 */
export function unicodeNames(text: string): string {
  return text.replace(ENCODED, (name) => {
    const u = domainToUnicode(name);
    return u && !u.includes('xn--') ? u : name;
  });
}

/** One name as people write it (see unicodeNames). */
export const shownName = (name: string): string => unicodeNames(name);
