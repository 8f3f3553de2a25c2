import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { badRequest, notFound, OperationError, toOperationError } from '../errors.js';
import { bodyError } from './body.js';
import { describeIssues, issueFields, REPORT_INPUT } from '../util/issues.js';

/**
 * One error shape for the whole API: `{error: {code, message, hint}}` in the caller's
 * language, plus `detail` for admins only.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((thrown: FastifyError | Error, req, reply) => {
    let err: OperationError;
    const body = bodyError(thrown, req);
    if (body) {
      err = body; // too large, not JSON, broken JSON: a clear 413/415/400 (src/api/body.ts)
    } else if (
      (thrown as FastifyError).validation ||
      (thrown as FastifyError).statusCode === 400 ||
      (thrown as FastifyError).statusCode === 415
    ) {
      err = badRequest(
        { en: `The request is not valid: ${thrown.message}.`, fr: `La requête n'est pas valide : ${thrown.message}.` },
        {
          en: 'Send a JSON body as described in /openapi.json.',
          fr: 'Envoyez un corps JSON comme décrit dans /openapi.json.',
        },
      );
    } else if (!(thrown instanceof OperationError) && isClientStatus((thrown as FastifyError).statusCode)) {
      // Any other refusal by fastify or a plugin is the caller's to fix, never a 500.
      err = badRequest(
        {
          en: `The request cannot be handled: ${thrown.message}.`,
          fr: `La requête ne peut pas être traitée : ${thrown.message}.`,
        },
        { en: 'Check the request against /openapi.json.', fr: 'Vérifiez la requête d’après /openapi.json.' },
        undefined,
        (thrown as FastifyError).statusCode!,
      );
    } else {
      err = toOperationError(thrown);
    }
    if (err.status >= 500) req.log.error({ err: thrown }, 'request failed');
    const admin = req.caller?.kind === 'admin';
    void reply.status(err.status).send({ error: err.toJSON(req.language ?? 'en', admin) });
  });
  app.setNotFoundHandler((req, reply) => {
    const where = `${req.method} ${req.url.slice(0, 200)}`;
    const fr = req.language === 'fr';
    void reply.status(404).send({
      error: {
        code: 'not_found',
        message: fr ? `Ce point d’accès n’existe pas : ${where}` : `No such endpoint: ${where}`,
        hint: fr ? 'Voyez /docs pour les points d’accès.' : 'See /docs for the endpoints.',
      },
    });
  });
}

const isClientStatus = (status: number | undefined): status is number =>
  typeof status === 'number' && status >= 400 && status < 500;

/** Router refusals (a bad escape in the address, a path part too long) in the API's error shape, not fastify's. */
export function frameworkErrors(thrown: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const long = thrown.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply.status(long ? 414 : 400).send({
    error: {
      code: long ? 'address_too_long' : 'bad_address',
      message: long
        ? 'The address is too long. / L’adresse est trop longue.'
        : 'The address is not valid. / L’adresse n’est pas valide.',
      hint: 'See /openapi.json for the endpoints. / Voyez /openapi.json pour les points d’accès.',
    },
  });
}

/**
 * Requests Node refuses before fastify sees them (headers too long, malformed HTTP, too
 * slow): answered in the API's error shape, in both languages since none is known yet.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          'headers_too_large',
          'The address or the headers of the request are too long. / L’adresse ou les en-têtes de la requête sont trop longs.',
        ]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [
            408,
            'Request Timeout',
            'timeout',
            'The request took too long to arrive. / La requête a mis trop de temps à arriver.',
          ]
        : [400, 'Bad Request', 'bad_request', 'The request is not valid HTTP. / La requête n’est pas du HTTP valide.'];
  const body = JSON.stringify({
    error: {
      code,
      message,
      hint: 'Send a shorter, well-formed request. / Envoyez une requête plus courte et bien formée.',
    },
  });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}

/**
 * Parses a request part with zod, turning problems into a 400 that names every field
 * at once, in the caller's language (src/util/issues.ts), never in zod's English.
 */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.output<S> {
  const r = schema.safeParse(value ?? {}, REPORT_INPUT);
  if (r.success) return r.data;
  const list = describeIssues(r.error.issues, what);
  const err = badRequest(
    { en: `The request is not valid: ${list.en}.`, fr: `La requête n'est pas valide : ${list.fr}.` },
    {
      en: 'Fix the fields named above; /docs describes every endpoint.',
      fr: 'Corrigez les champs nommés ci-dessus ; /docs décrit chaque point d’accès.',
    },
  );
  err.fields = issueFields(r.error.issues, what);
  throw err;
}

/** A request without a valid API token: the caller learns how to send one. */
export function unauthorized(): OperationError {
  return new OperationError(
    'unauthorized',
    { en: 'A valid API token is required.', fr: "Un jeton d'API valide est nécessaire." },
    {
      en: 'Send "Authorization: Bearer <token>". Ask your provider for a token.',
      fr: 'Envoyez « Authorization: Bearer <jeton> ». Demandez un jeton à votre hébergeur.',
    },
    undefined,
    401,
  );
}

/** An admin-only endpoint asked by a client: answered as not found, so clients do not learn what exists. */
export function adminOnly(): OperationError {
  return notFound(
    { en: 'This', fr: 'Ceci' },
    {
      message: { en: 'Not found.', fr: 'Introuvable.' },
      hint: { en: 'Check the address.', fr: "Vérifiez l'adresse." },
    },
  );
}

/** A page cursor this server never gave (forged, or from another list): the first page needs none. */
export function badCursor(): OperationError {
  return badRequest(
    {
      en: 'The request is not valid: cursor is not one this server gave.',
      fr: "La requête n'est pas valide : cursor n'a pas été donné par ce serveur.",
    },
    {
      en: 'Pass the "next" of the previous page, or no cursor for the first page.',
      fr: 'Passez le « next » de la page précédente, ou aucun cursor pour la première page.',
    },
  );
}
