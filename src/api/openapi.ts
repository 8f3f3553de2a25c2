import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RouteDoc } from './context.js';

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'hint'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' }, detail: { type: 'string', description: 'admins only' } },
    },
  },
};

/** Collects documented routes as they are registered and serves them as OpenAPI 3. */
export function installOpenApi(app: FastifyInstance, version: string): void {
  const paths: Record<string, Record<string, unknown>> = {};
  app.addHook('onRoute', (route) => {
    const doc = route.config?.doc as RouteDoc | undefined;
    if (!doc) return;
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      paths[path] ??= {};
      paths[path][method.toLowerCase()] = {
        summary: doc.summary,
        tags: [doc.tag],
        ...(params.length ? { parameters: params } : {}),
        ...(doc.auth === 'none' ? { security: [] } : {}),
        ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(doc.body, { io: 'input', unrepresentable: 'any' }) } } } } : {}),
        responses: { default: { description: 'Error', content: { 'application/json': { schema: errorSchema } } } },
      };
    }
  });
  app.get('/openapi.json', async () => ({
    openapi: '3.0.3',
    info: { title: 'serein', version, description: 'Safe one-click hosting operations. Errors: {error: {code, message, hint}}.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  }));
}
