import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';

const dir = join(import.meta.dirname, '../self-service');

/**
 * The page allows nothing but its own script and stylesheet, talks only to this daemon,
 * cannot be framed, and (Trusted Types) cannot put strings into the DOM as HTML.
 */
export const SELF_SERVICE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const files = {
  html: readFileSync(join(dir, 'index.html'), 'utf8'),
  js: readFileSync(join(dir, 'app.js'), 'utf8'),
  css: readFileSync(join(dir, 'app.css'), 'utf8'),
};

function send(reply: FastifyReply, type: string, body: string) {
  return reply
    .headers({
      'content-type': type,
      'content-security-policy': SELF_SERVICE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    })
    .send(body);
}

/**
 * The client self-service page: one static page (HTML, script, stylesheet; no build, no
 * framework, nothing from elsewhere) that uses the public API with the client's token.
 */
export async function selfServiceRoutes(app: FastifyInstance, { store }: ApiContext): Promise<void> {
  const page = async (_req: unknown, reply: FastifyReply) => send(reply, 'text/html; charset=utf-8', files.html);
  app.get('/', page);
  app.get('/self-service', page);
  app.get('/self-service/app.js', async (_req, reply) => send(reply, 'text/javascript; charset=utf-8', files.js));
  app.get('/self-service/app.css', async (_req, reply) => send(reply, 'text/css; charset=utf-8', files.css));

  app.get('/self-service/me', { config: { doc: { summary: 'Who the token belongs to: its kind and tenant (name, language)', tag: 'self-service' } } }, async (req) => {
    const caller = requireCaller(req);
    const tenant = caller.tenantId ? await store.tenants.get(caller.tenantId) : undefined;
    return {
      kind: caller.kind,
      tenant: tenant ? { id: tenant.id, name: tenant.name, language: tenant.language } : null,
      language: req.language,
    };
  });
}
