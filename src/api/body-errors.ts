import { OperationError } from '../errors.js';

// The API's refusals of a request body (src/api/body.ts): too large, too many keys, too deep, not JSON, broken, empty.

/** "1 MB", "512 KB": a size as a person reads it. */
function size(bytes: number, language: 'en' | 'fr'): string {
  const [n, unit] =
    bytes >= 1 << 20
      ? [bytes / (1 << 20), language === 'fr' ? 'Mo' : 'MB']
      : [bytes / 1024, language === 'fr' ? 'Ko' : 'KB'];
  const shown = Number.isInteger(n) ? String(n) : n.toFixed(1);
  return `${language === 'fr' ? shown.replace('.', ',') : shown}\u00a0${unit}`;
}

/** A body past `limits.json.keys` keys and list items: refused before it is parsed. */
export const tooManyKeys = (keys: number) =>
  new OperationError(
    'body_too_many_keys',
    {
      en: `The request holds more than ${keys.toLocaleString('en')} keys and list items, the most we accept.`,
      fr: `La demande contient plus de ${keys.toLocaleString('fr')} clés et éléments de liste, le maximum accepté.`,
    },
    {
      en: 'Send less at once, in several requests if needed. Nothing was done.',
      fr: "Envoyez-en moins à la fois, en plusieurs demandes si besoin. Rien n'a été fait.",
    },
    `limits.json.keys: ${keys}`,
    413,
  );

/** A body nested past `limits.json.depth` levels: refused before it is parsed. */
export const tooDeep = (depth: number) =>
  new OperationError(
    'body_too_deep',
    {
      en: `The request nests lists and objects more than ${depth} levels deep, the most we accept.`,
      fr: `La demande imbrique des listes et des objets sur plus de ${depth} niveaux, le maximum accepté.`,
    },
    {
      en: 'Send a flatter body; /openapi.json shows what each endpoint expects. Nothing was done.',
      fr: "Envoyez un corps moins imbriqué ; /openapi.json montre ce que chaque point d’accès attend. Rien n'a été fait.",
    },
    `limits.json.depth: ${depth}`,
    400,
  );

/** A body over the route's byte limit. */
export function bodyTooLarge(limit: number, detail: string): OperationError {
  return new OperationError(
    'body_too_large',
    {
      en: `The request is larger than the ${size(limit, 'en')} we accept.`,
      fr: `La demande dépasse la taille maximale acceptée (${size(limit, 'fr')}).`,
    },
    {
      en: 'Send less at once, in several requests if needed. Nothing was done.',
      fr: "Envoyez-en moins à la fois, en plusieurs demandes si besoin. Rien n'a été fait.",
    },
    detail,
    413,
  );
}

/** A body sent as anything but JSON (the API reads JSON only). */
export function notJson(detail: string): OperationError {
  return new OperationError(
    'unsupported_media_type',
    { en: 'The request must be sent as JSON.', fr: 'La demande doit être envoyée au format JSON.' },
    {
      en: 'Add the header "Content-Type: application/json" and send a JSON body; /openapi.json describes each one.',
      fr: 'Ajoutez l’en-tête « Content-Type: application/json » et envoyez un corps JSON ; /openapi.json décrit chacun.',
    },
    detail,
    415,
  );
}

/** A body that does not parse as JSON, or names a prototype key. */
export function invalidJson(detail: string): OperationError {
  return new OperationError(
    'invalid_json',
    { en: 'The request body is not valid JSON.', fr: 'Le corps de la demande n’est pas du JSON valide.' },
    {
      en: 'Check the quotes, commas and braces (keys such as "__proto__" are refused too); /openapi.json shows what each endpoint expects.',
      fr: 'Vérifiez les guillemets, les virgules et les accolades (les clés comme « __proto__ » sont aussi refusées) ; /openapi.json montre ce que chaque point d’accès attend.',
    },
    detail,
    400,
  );
}

/** A request that announces JSON and sends no body. */
export function emptyBody(detail: string): OperationError {
  return new OperationError(
    'empty_body',
    {
      en: 'The request says it holds JSON, but its body is empty.',
      fr: 'La demande annonce du JSON, mais son corps est vide.',
    },
    {
      en: 'Send a JSON body ({} when there is nothing to give), or leave out the Content-Type header.',
      fr: 'Envoyez un corps JSON ({} s’il n’y a rien à donner), ou retirez l’en-tête Content-Type.',
    },
    detail,
    400,
  );
}
