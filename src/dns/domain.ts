import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { invalidDomain } from './errors.js';

const NB = '\u00a0';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The name a person meant, from the way people write names: spaces around it, capitals,
 * the final dot of a fully qualified name ("Exemple.FR."), or a whole web address
 * ("https://www.Exemple.fr/boutique", "www.exemple.fr/boutique"). Only what surely is the
 * host part is kept: an address with a user, a port or odd characters before its first
 * "/" is left as typed, for parseDomain to explain. Every place a name is typed (the
 * doctor, forms, jobs' domain inputs, requests in words) reads names through parseDomain,
 * so through this.
 */
export function readName(raw: string): string {
  let text = raw.trim();
  // Only a web address (with its scheme) loses its path: in "shop.fr/x.com" or "shop.fr?x.com"
  // the name meant is unclear, so such text is refused by parseDomain rather than guessed.
  const address = /^https?:\/\/([^\s/?#@:\\]+)(?:[/?#][^\u0000-\u001f\u007f]*)?$/i.exec(text);
  if (address) text = address[1];
  if (text.endsWith('.') && !text.endsWith('..')) text = text.slice(0, -1);
  return text.toLowerCase();
}

/**
 * Normalises a host name (as readName reads it, lower case, IDN to punycode) or explains
 * why it is not one. Returns the ASCII form.
 */
export function parseDomain(raw: string, allowWildcard: boolean): string {
  const text = readName(raw);
  const wildcard = text.startsWith('*.');
  const bare = wildcard ? text.slice(2) : text;
  const problem = (en: string, fr: string, hintEn: string, hintFr: string) =>
    invalidDomain(raw, { en, fr }, { en: hintEn, fr: hintFr });
  const example = {
    en: 'Write the name like shop.example.com.',
    fr: 'Écrivez le nom sous la forme boutique.exemple.fr.',
  };
  if (!bare) throw problem('is empty.', 'est vide.', example.en, example.fr);
  // The URL parser behind domainToASCII drops tabs and line breaks and stops at "/", "?", "#"
  // or "\\": "shop.fr/x.com" would silently become "shop.fr". Only letters, digits, dots and
  // dashes (and non-ASCII letters, for IDN) may reach it.
  const odd = /[\u0000-\u002c\u002f\u003a-\u0060\u007b-\u007f]/.exec(bare);
  if (odd) {
    const shown = /[\u0000-\u0020\u007f]/.test(odd[0])
      ? `U+${odd[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`
      : odd[0];
    throw problem(
      `contains "${shown}", which is not allowed in a domain name.`,
      `contient « ${shown} », qui n'est pas permis dans un nom de domaine.`,
      'Use only letters, digits, dots and dashes, like shop.example.com.',
      'Utilisez seulement des lettres, chiffres, points et tirets, comme boutique.exemple.fr.',
    );
  }
  if (wildcard && !allowWildcard) {
    throw problem(
      'is a wildcard name, which is not allowed here.',
      "est un nom générique (joker), ce qui n'est pas permis ici.",
      'Use a full name such as www.example.com.',
      'Utilisez un nom complet comme www.exemple.fr.',
    );
  }
  if (isIP(bare))
    throw problem(
      'is an IP address, not a domain name.',
      'est une adresse IP, pas un nom de domaine.',
      example.en,
      example.fr,
    );
  if (bare.endsWith('.') || bare.startsWith('.') || bare.includes('..')) {
    throw problem(
      'has an empty part between two dots.',
      'a une partie vide entre deux points.',
      example.en,
      example.fr,
    );
  }
  const ascii = domainToASCII(bare);
  if (!ascii) {
    throw problem(
      'contains characters or an encoded label (xn--) that are not valid in a domain name.',
      'contient des caractères ou un label encodé (xn--) non valides dans un nom de domaine.',
      example.en,
      example.fr,
    );
  }
  if (ascii.length > 253)
    throw problem(
      'is longer than 253 characters.',
      'dépasse 253 caractères.',
      'Use a shorter name.',
      'Utilisez un nom plus court.',
    );
  const labels = ascii.split('.');
  if (labels.length < 2) {
    throw problem(
      'is not a full domain name (it has no dot).',
      "n'est pas un nom de domaine complet (il n'a pas de point).",
      example.en,
      example.fr,
    );
  }
  if (labels.length > 10)
    throw problem(
      'has more than 10 parts.',
      'a plus de 10 parties.',
      'Use a shorter name.',
      'Utilisez un nom plus court.',
    );
  for (const label of labels) {
    if (label.length > 63) {
      // The limit people meet most (a shop's long name in one word), said on its own.
      const shown = `${label.slice(0, 20)}…`;
      throw problem(
        `has a part of ${label.length} characters ("${shown}"): a part between two dots may have at most 63.`,
        `a une partie de ${label.length} caractères («${NB}${shown}${NB}»)${NB}: une partie entre deux points ne peut pas dépasser 63 caractères.`,
        `Shorten that part by at least ${label.length - 63} character${label.length - 63 > 1 ? 's' : ''}, or choose a shorter name.`,
        `Raccourcissez cette partie d'au moins ${label.length - 63} caractère${label.length - 63 > 1 ? 's' : ''}, ou choisissez un nom plus court.`,
      );
    }
    if (!LABEL.test(label)) {
      throw problem(
        `has an invalid part "${label}": each part between dots uses only letters, digits and dashes, 1 to 63 characters, not starting or ending with a dash.`,
        `a une partie invalide « ${label} » : chaque partie entre les points n'utilise que des lettres, chiffres et tirets, de 1 à 63 caractères, sans tiret au début ni à la fin.`,
        example.en,
        example.fr,
      );
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]))
    throw problem(
      'ends with a number, not a domain extension.',
      'se termine par un nombre, pas une extension de domaine.',
      example.en,
      example.fr,
    );
  return wildcard ? `*.${ascii}` : ascii;
}
