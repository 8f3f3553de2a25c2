import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireCaller } from '../auth.js';
import type { ApiContext } from '../context.js';
import { brand as brandSchema, me } from '../schemas.js';
import type { Config } from '../../config/schema.js';

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

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** What a static file's address may look like: folders and a name of letters, digits and dashes, no dot segment. */
const SAFE_PATH = /^(?:[a-z0-9][a-z0-9-]*\/)*[a-z0-9][a-z0-9-]*\.(?:js|css)$/i;

interface StaticFile {
  type: string;
  body: string;
  etag: string;
}

/**
 * Every file of the page, read once at start, by its path under /self-service/. Only
 * files listed here can be served: an address naming anything else (../package.json,
 * encoded or not) finds nothing, whatever the router made of it.
 */
function readPage(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const type = TYPES[extname(entry.name)];
    if (!entry.isFile() || !type) continue;
    const path = join(entry.parentPath, entry.name);
    const body = readFileSync(path, 'utf8');
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    files.set(relative(root, path).split(sep).join('/'), { type, body, etag });
  }
  return files;
}

const files = readPage(dir);

/**
 * Sends one file of the page under its Content-Security-Policy. Browsers keep it but ask
 * again each time (no-cache, answered 304 by its ETag): the page's modules always come
 * from the same version of the daemon, without a build step to name them by version.
 */
function send(req: FastifyRequest, reply: FastifyReply, file: StaticFile) {
  reply.headers({
    'content-type': file.type,
    'content-security-policy': SELF_SERVICE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
    etag: file.etag,
  });
  if (req.headers['if-none-match'] === file.etag) return reply.status(304).send();
  return reply.send(file.body);
}

/**
 * The client self-service page: one static page (HTML, native ES modules, stylesheet; no
 * build, no framework, nothing from elsewhere) that uses the public API with the client's token.
 */
export async function selfServiceRoutes(app: FastifyInstance, { store, config }: ApiContext): Promise<void> {
  const html = files.get('index.html')!;
  const brand = pageBrand(config.branding);
  // Before signing in too: the sign-in screen is the provider's, with its support contact.
  app.get(
    '/self-service/brand',
    {
      config: {
        doc: {
          summary: "The provider's name, logo, colours and contacts for the client page",
          tag: 'self-service',
          auth: 'none',
          response: { 200: brandSchema },
        },
      },
    },
    async () => brand,
  );
  const page = async (req: FastifyRequest, reply: FastifyReply) => send(req, reply, html);
  app.get('/', page);
  app.get('/self-service', page);
  app.get<{ Params: { '*': string } }>('/self-service/*', async (req, reply) => {
    const path = req.params['*'];
    const file = SAFE_PATH.test(path) ? files.get(path) : undefined;
    if (!file) return reply.callNotFound();
    return send(req, reply, file);
  });

  app.get(
    '/self-service/me',
    {
      config: {
        doc: {
          summary: 'Who the token belongs to: its kind and tenant (name, language)',
          tag: 'self-service',
          response: { 200: me },
        },
      },
    },
    async (req) => {
      const caller = requireCaller(req);
      const tenant = caller.tenantId ? await store.tenants.get(caller.tenantId) : undefined;
      return {
        kind: caller.kind,
        tenant: tenant ? { id: tenant.id, name: tenant.name, language: tenant.language } : null,
        language: req.language,
      };
    },
  );
}

/**
 * What the page shows of the provider: the logo inline as a data: URL (the page loads
 * nothing from elsewhere), read once at start; a logo that cannot be read is left out.
 */
export function pageBrand(b: Config['branding']) {
  let logo: string | null = null;
  if (b.logo) {
    const type =
      extname(b.logo).toLowerCase() === '.svg'
        ? 'image/svg+xml'
        : extname(b.logo).toLowerCase() === '.png'
          ? 'image/png'
          : null;
    try {
      const bytes = type ? readFileSync(b.logo) : null;
      if (bytes && bytes.length <= 64 * 1024) logo = `data:${type};base64,${bytes.toString('base64')}`;
    } catch {
      logo = null;
    }
  }
  return { name: b.name, logo, colors: b.colors, support: b.support, lostToken: b.lostToken ?? null };
}
