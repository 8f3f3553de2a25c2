import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { OperationError } from '../errors.js';
import { bodyTooLarge, emptyBody, invalidJson, notJson, tooDeep, tooManyKeys } from './body-errors.js';

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
    if (entries > caps.keys) return tooManyKeys(caps.keys);
  }
  return undefined;
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
      return bodyTooLarge(limit, detail);
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return notJson(`${detail} (Content-Type: ${String(req.headers['content-type'] ?? 'none').slice(0, 100)})`);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidJson(detail);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return emptyBody(detail);
    default:
      return undefined;
  }
}
