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
export const atDomain = L('at the company that manages your domain (often where you bought it)', "chez la société qui gère votre domaine (souvent là où vous l'avez acheté)");
/** The same, starting a sentence. */
export const AT_DOMAIN = L(`A${atDomain.en.slice(1)}`, `C${atDomain.fr.slice(1)}`);
