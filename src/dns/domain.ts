import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { OperationError } from '../errors.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Normalises a host name (lower case, IDN to punycode) or explains why it is not one.
 * Returns the ASCII form.
 */
export function parseDomain(raw: string, allowWildcard: boolean): string {
  const text = raw.trim().toLowerCase();
  const wildcard = text.startsWith('*.');
  const bare = wildcard ? text.slice(2) : text;
  const problem = (en: string, fr: string, hintEn: string, hintFr: string) =>
    new OperationError('invalid_domain', { en: `"${raw}" ${en}`, fr: `« ${raw} » ${fr}` }, { en: hintEn, fr: hintFr }, undefined, 400);
  const example = { en: 'Write the name like shop.example.com.', fr: 'Écrivez le nom sous la forme boutique.exemple.fr.' };
  if (!bare) throw problem('is empty.', 'est vide.', example.en, example.fr);
  // The URL parser behind domainToASCII drops tabs and line breaks and stops at "/", "?", "#"
  // or "\\": "shop.fr/x.com" would silently become "shop.fr". Only letters, digits, dots and
  // dashes (and non-ASCII letters, for IDN) may reach it.
  const odd = /[\u0000-\u002c\u002f\u003a-\u0060\u007b-\u007f]/.exec(bare);
  if (odd) {
    const shown = /[\u0000-\u0020\u007f]/.test(odd[0]) ? `U+${odd[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : odd[0];
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
  if (isIP(bare)) throw problem('is an IP address, not a domain name.', "est une adresse IP, pas un nom de domaine.", example.en, example.fr);
  if (bare.endsWith('.')) throw problem('ends with a dot.', 'se termine par un point.', 'Remove the final dot.', 'Retirez le point final.');
  const ascii = domainToASCII(bare);
  if (!ascii) {
    throw problem('contains characters or an encoded label (xn--) that are not valid in a domain name.', "contient des caractères ou un label encodé (xn--) non valides dans un nom de domaine.", example.en, example.fr);
  }
  if (ascii.length > 253) throw problem('is longer than 253 characters.', 'dépasse 253 caractères.', 'Use a shorter name.', 'Utilisez un nom plus court.');
  const labels = ascii.split('.');
  if (labels.length < 2) {
    throw problem('is not a full domain name (it has no dot).', "n'est pas un nom de domaine complet (il n'a pas de point).", example.en, example.fr);
  }
  if (labels.length > 10) throw problem('has more than 10 parts.', 'a plus de 10 parties.', 'Use a shorter name.', 'Utilisez un nom plus court.');
  for (const label of labels) {
    if (!LABEL.test(label)) {
      throw problem(
        `has an invalid part "${label}": each part between dots uses only letters, digits and dashes, 1 to 63 characters, not starting or ending with a dash.`,
        `a une partie invalide « ${label} » : chaque partie entre les points n'utilise que des lettres, chiffres et tirets, de 1 à 63 caractères, sans tiret au début ni à la fin.`,
        example.en,
        example.fr,
      );
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) throw problem('ends with a number, not a domain extension.', 'se termine par un nombre, pas une extension de domaine.', example.en, example.fr);
  return wildcard ? `*.${ascii}` : ascii;
}
