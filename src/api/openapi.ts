import type { SwaggerOptions } from '@fastify/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import type { RouteDoc } from './context.js';
import { EXAMPLES } from './openapi-examples.js';
import { lazyCompilers } from './lazy-compilers.js';
import { derivedOperationId, JOB_EVENTS, OPERATION_IDS } from './openapi-operations.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** "GET /self-service/*"...: the routes /openapi.json leaves out (pages and their files). */
    undocumentedRoutes(): string[];
  }
}

/** The one error shape of the API (src/api/errors.ts), referenced by every operation. */
const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'hint'],
      properties: {
        code: {
          type: 'string',
          description: 'Stable, for programs: not_found, invalid_input, bad_request, rate_limited...',
        },
        message: { type: 'string', description: "What happened, in the caller's language" },
        hint: { type: 'string', description: 'What to do next' },
        detail: { type: 'string', description: 'Technical detail, admins only' },
        fields: {
          type: 'array',
          description:
            'For a request that is not valid: each invalid field by name (`inputs.domain`, `email`) with what it must be, in the caller’s language; the message lists them all',
          items: {
            type: 'object',
            required: ['name', 'message'],
            properties: { name: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};
const ERROR_REF = { $ref: '#/components/schemas/Error' };

/**
 * The reference page's Content-Security-Policy: like the client page's, its own files
 * only, talking to this daemon only. Swagger UI sets styles through the DOM (allowed),
 * shows its icons as data: images, and writes one fixed <style> element, allowed by its
 * hash alone (test/openapi.test.ts fails on any violation, so an update that changes it is seen).
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** A zod schema as JSON Schema 2020-12 (the dialect of OpenAPI 3.1); what cannot be said (a transform) accepts anything. */
const json = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Record<string, unknown>;
  return rest;
};

/** The fastify-swagger route schema an operation is documented with, built from its RouteDoc. */
function routeSchema(doc: RouteDoc, url: string): Record<string, unknown> {
  const hasParams = url.includes(':');
  const errors: Record<string, unknown> = {};
  const error = (status: number, description: string) => (errors[status] = { description, ...ERROR_REF });
  if (doc.body || doc.query || doc.params || hasParams)
    error(400, 'The request is not valid: every problem is named, in the caller’s language');
  if (doc.auth !== 'none') error(401, 'No valid token');
  if (doc.auth === 'admin') error(404, 'Not found (a client token is told no more)');
  else if (hasParams) error(404, 'Not found, or not the caller’s');
  if (doc.body) {
    error(413, 'The body is larger than the configured limit');
    error(415, 'The body is not JSON');
  }
  error(429, 'Too many requests or failed tokens (Retry-After says when to try again)');
  const success: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(doc.response ?? { 200: null })) {
    if (schema === null)
      success[status] = { type: 'null', description: status === '204' ? 'Done, nothing to return' : 'Done' };
    else if (doc.produces)
      success[status] = { description: 'Success', content: { [doc.produces]: { schema: json(schema, 'output') } } };
    else success[status] = { description: 'Success', ...json(schema, 'output') };
  }
  return {
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    ...(doc.body ? { body: json(doc.body, 'input') } : {}),
    ...(doc.query ? { querystring: json(doc.query, 'input') } : {}),
    ...(doc.params ? { params: json(doc.params, 'input') } : {}),
    ...(doc.auth === 'none' ? { security: [] } : {}),
    // Marked for readers and for programs: a client token gets 404 there.
    ...(doc.auth === 'admin' ? { security: [{ bearer: [] }], 'x-serein-admin-only': true } : {}),
    response: { ...success, ...errors, default: { description: 'Any other refusal or failure', ...ERROR_REF } },
  };
}

/** Adds each body's documented alternatives (one per playbook) as components and a oneOf. */
function addVariants(doc: Record<string, any>, routes: Map<string, RouteDoc>): void {
  for (const [key, routeDoc] of routes) {
    if (!routeDoc.bodyVariants) continue;
    const [method, path] = key.split(' ');
    const media = doc.paths?.[path]?.[method]?.requestBody?.content?.['application/json'];
    if (!media) continue;
    const { property, schemas } = routeDoc.bodyVariants;
    const mapping: Record<string, string> = {};
    for (const [name, schema] of Object.entries(schemas())) {
      doc.components.schemas[name] = schema;
      const value = (schema as { properties?: Record<string, { const?: string }> }).properties?.[property]?.const;
      if (value) mapping[value] = `#/components/schemas/${name}`;
    }
    media.schema = {
      ...media.schema,
      oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
      discriminator: { propertyName: property, mapping },
    };
  }
}

/**
 * Names each operation (operationId) and gives it its examples: the request body's and the
 * success answer's, under their media types; the event stream's operation lists its events.
 */
function addNamesAndExamples(doc: Record<string, any>): void {
  for (const [path, methods] of Object.entries<Record<string, any>>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const key = `${method.toUpperCase()} ${path}`;
      op.operationId = OPERATION_IDS[key] ?? derivedOperationId(method, path);
      const example = EXAMPLES[op.operationId];
      if (!example) continue;
      const body = op.requestBody?.content?.['application/json'];
      if (body && example.request !== undefined) body.example = example.request;
      const [, success] = Object.entries<any>(op.responses ?? {}).find(([status]) => /^2\d\d$/.test(status)) ?? [];
      for (const media of Object.values<any>(success?.content ?? {})) media.example = example.response;
      if (success?.content?.['text/event-stream']) {
        op['x-serein-events'] = Object.keys(JOB_EVENTS);
        op.description = [
          op.description,
          'Events (the `event:` line), each `data:` one JSON object:',
          ...Object.entries(JOB_EVENTS).map(([name, what]) => `- \`${name}\`: ${what}`),
        ]
          .filter(Boolean)
          .join('\n');
      }
    }
  }
}

/** Answer headers of the reference app that the daemon's own answer sets itself. */
const HOP_HEADERS = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);

/**
 * The OpenAPI 3.1 document, generated by @fastify/swagger from each route's `config.doc`
 * (the zod schemas the route validates with), served at /openapi.json; and its reference
 * page at /docs (Swagger UI, served from this daemon, nothing from elsewhere).
 * Routes without `doc` (the client page's files, /docs itself) are left out.
 * Both are made by a second Fastify app holding the daemon's routes, built on the first
 * request for either: @fastify/swagger and Swagger UI's file server were 0.08 s of every
 * start (issue 25), and most daemons never serve them. The daemon answers with what it
 * answered, under its own hooks (limits, request log).
 */
export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  const documented = new Map<string, RouteDoc>();
  // Routes registered without a doc, so a test can hold the list to the few meant to be left out.
  const undocumented = new Set<string>();
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    if (!route.config?.doc)
      for (const m of [route.method].flat()) if (m !== 'HEAD') undocumented.add(`${m} ${route.url}`);
    if (route.url !== '/docs' && !route.url.startsWith('/docs/')) routes.push(route);
  });
  app.decorate('undocumentedRoutes', () => [...undocumented].sort());
  let reference: Promise<FastifyInstance> | undefined;
  const docs = () => (reference ??= referenceApp(routes, documented, version));
  app.addHook('onClose', async () => {
    if (reference) await (await reference).close();
  });
  app.get('/openapi.json', async () => (await docs()).swagger());
  const page = async (req: FastifyRequest, reply: FastifyReply) => {
    // A HEAD is answered by Fastify from the GET's answer, as the daemon's own routes are.
    const res = await (await docs()).inject({ method: 'GET', url: req.url, headers: req.headers });
    // A file the page does not have is the daemon's own 404, in its words, as any other.
    if (res.statusCode === 404) return reply.callNotFound();
    for (const [name, value] of Object.entries(res.headers))
      if (value !== undefined && !HOP_HEADERS.has(name)) reply.header(name, value);
    return reply.code(res.statusCode).send(res.rawPayload.length ? res.rawPayload : undefined);
  };
  app.get('/docs', page);
  app.get('/docs/*', page);
}

/** The app the document and the reference page are made by: the daemon's routes, answering nothing themselves. */
async function referenceApp(
  routes: RouteOptions[],
  documented: Map<string, RouteDoc>,
  version: string,
): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: swagger }, { default: swaggerUi }] = await Promise.all([
    import('fastify'),
    import('@fastify/swagger'),
    import('@fastify/swagger-ui'),
  ]);
  const app = Fastify({ schemaController: { compilersFactory: lazyCompilers as never } }) as unknown as FastifyInstance;
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'serein',
        version,
        description:
          'Safe one-click hosting operations. Send `Authorization: Bearer <token>`; a client token sees its own tenant only. ' +
          'Answers are in the language of `Accept-Language` (en, fr), else the tenant’s. Errors are always `{"error": {"code", "message", "hint"}}`, admins also get `detail`; a request that is not valid also gets `fields: [{name, message}]`, one per invalid field. ' +
          'Operations marked `x-serein-admin-only` answer 404 to client tokens.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas: { Error: errorSchema } },
      security: [{ bearer: [] }],
    },
    transform: ({ url, route }: { url: string; route: RouteOptions }) => {
      const doc = route.config?.doc as RouteDoc | undefined;
      if (!doc) return { schema: { hide: true }, url };
      for (const method of [route.method].flat())
        documented.set(`${method.toLowerCase()} ${url.replace(/:([A-Za-z]+)/g, '{$1}')}`, doc);
      return { schema: routeSchema(doc, url), url };
    },
    transformObject: (built) => {
      const { openapiObject } = built as { openapiObject: Record<string, any> };
      addVariants(openapiObject, documented);
      addNamesAndExamples(openapiObject);
      return openapiObject;
    },
  } as SwaggerOptions);
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    theme: { title: 'serein API' },
    uiConfig: { deepLinking: true, tryItOutEnabled: false },
  });
  for (const route of routes) {
    // HEAD answers are made for GET routes again here, as the daemon made them.
    const method = [route.method].flat().filter((m) => m !== 'HEAD');
    if (method.length)
      app.route({ method, url: route.url, config: route.config, schema: route.schema, handler: () => '' });
  }
  await app.ready();
  return app;
}
