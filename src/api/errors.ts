import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { OperationError, toOperationError } from '../errors.js';

/**
 * One error shape for the whole API: `{error: {code, message, hint}}` in the caller's
 * language, plus `detail` for admins only.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((thrown: FastifyError | Error, req, reply) => {
    let err: OperationError;
    if ((thrown as FastifyError).validation || (thrown as FastifyError).statusCode === 400 || (thrown as FastifyError).statusCode === 415) {
      err = new OperationError(
        'bad_request',
        { en: `The request is not valid: ${thrown.message}.`, fr: `La requête n'est pas valide : ${thrown.message}.` },
        { en: 'Send a JSON body as described in /openapi.json.', fr: 'Envoyez un corps JSON comme décrit dans /openapi.json.' },
        undefined,
        400,
      );
    } else {
      err = toOperationError(thrown);
    }
    if (err.status >= 500) req.log.error({ err: thrown }, 'request failed');
    const admin = req.caller?.kind === 'admin';
    void reply.status(err.status).send({ error: err.toJSON(req.language ?? 'en', admin) });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      error: { code: 'not_found', message: `No such endpoint: ${req.method} ${req.url}`, hint: 'See /openapi.json for the endpoints.' },
    });
  });
}

/** Parses a request part with zod, turning problems into a 400 that names each field. */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const list = r.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ');
  throw new OperationError(
    'bad_request',
    { en: `The request is not valid: ${list}.`, fr: `La requête n'est pas valide : ${list}.` },
    { en: 'Fix the fields named above; /openapi.json describes every endpoint.', fr: 'Corrigez les champs nommés ci-dessus ; /openapi.json décrit chaque point d’accès.' },
    undefined,
    400,
  );
}
