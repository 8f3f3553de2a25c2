import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { OperationError } from '../errors.js';

/**
 * The API reads JSON only: a text body would reach the routes as a string and fail there,
 * unclearly. Every JSON body's shape is measured before it is parsed (`limits.json`): tens
 * of thousands of keys, each named back in the 400, or thousands of nested lists cost the
 * daemon far more than the bytes they take, whichever route they are sent to.
 */
export function installBodyRules(app: FastifyInstance, caps: JsonCaps): void {
  app.removeContentTypeParser('text/plain');
  const parse = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const past = pastCaps(body as string, caps);
    if (past) return done(past, undefined);
    parse(req, body as string, done);
  });
}

/** The most keys and list items (all levels together), and nesting levels, one JSON body may hold. */
export interface JsonCaps {
  keys: number;
  depth: number;
}

/**
 * Which cap a JSON text goes past, read in one pass without building anything (a broken
 * text is left to the parser). Keys are counted at their colon, list items at their comma.
 */
export function pastCaps(text: string, caps: JsonCaps): OperationError | undefined {
  let depth = 0;
  let entries = 0;
  let inString = false;
  // Whether each open level is a list: only a list's commas separate items to count.
  const lists: boolean[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > caps.depth) return tooDeep(caps.depth);
      lists[depth] = c === 0x5b;
      if (c === 0x5b) entries++;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x3a || (c === 0x2c && lists[depth])) entries++;
    if (entries > caps.keys) return tooMany(caps.keys);
  }
  return undefined;
}

const tooMany = (keys: number) =>
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

const tooDeep = (depth: number) =>
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

/** "1 MB", "512 KB": a size as a person reads it. */
function size(bytes: number, language: 'en' | 'fr'): string {
  const [n, unit] =
    bytes >= 1 << 20
      ? [bytes / (1 << 20), language === 'fr' ? 'Mo' : 'MB']
      : [bytes / 1024, language === 'fr' ? 'Ko' : 'KB'];
  const shown = Number.isInteger(n) ? String(n) : n.toFixed(1);
  return `${language === 'fr' ? shown.replace('.', ',') : shown}\u00a0${unit}`;
}

/**
 * Fastify's refusals of a request body (too large, not JSON, broken JSON, empty) as the
 * API's clear 4xx in the caller's language; undefined for anything else. They are the
 * caller's to fix, so they are never logged as failures.
 */
export function bodyError(thrown: FastifyError | Error, req: FastifyRequest): OperationError | undefined {
  const code = (thrown as FastifyError).code;
  const detail = `${code}: ${thrown.message}`;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH': {
      const limit = req.routeOptions?.bodyLimit ?? req.server.initialConfig.bodyLimit ?? 1 << 20;
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
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new OperationError(
        'unsupported_media_type',
        { en: 'The request must be sent as JSON.', fr: 'La demande doit être envoyée au format JSON.' },
        {
          en: 'Add the header "Content-Type: application/json" and send a JSON body; /openapi.json describes each one.',
          fr: 'Ajoutez l’en-tête « Content-Type: application/json » et envoyez un corps JSON ; /openapi.json décrit chacun.',
        },
        `${detail} (Content-Type: ${String(req.headers['content-type'] ?? 'none').slice(0, 100)})`,
        415,
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
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
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
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
    default:
      return undefined;
  }
}
