import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Language } from '../errors.js';
import { adminOnly, unauthorized } from './errors.js';
import type { Store } from '../store/store.js';
import type { Caller } from '../store/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
    language: Language;
  }
}

/**
 * Limits on failed authentication (src/api/limits.ts): `failed` counts a token that is not
 * valid, and throws the 429 to send once its address is past the limit. A token that
 * verifies is never counted nor refused here.
 */
export interface AuthGuard {
  failed(req: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/** Reads the bearer token and the caller's language on every request; routes then call requireCaller/requireAdmin. */
export function installAuth(
  app: FastifyInstance,
  opts: { store: Store; defaultLanguage: Language; guard?: AuthGuard },
): void {
  app.decorateRequest('caller', undefined);
  app.decorateRequest('language', 'en');
  app.addHook('onRequest', async (req, reply) => {
    const header = req.headers.authorization;
    const asked = pickLanguage(req.headers['accept-language']);
    req.language = asked ?? opts.defaultLanguage;
    if (!header) return;
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const caller = m ? await opts.store.tokens.verify(m[1]) : undefined;
    if (!caller) {
      await opts.guard?.failed(req, reply);
      throw unauthorized();
    }
    req.caller = caller;
    await opts.store.tokens.markUsed(caller.tokenId);
    if (caller.tenantId && !asked) {
      const tenant = await opts.store.tenants.get(caller.tenantId);
      if (tenant) req.language = tenant.language;
    }
  });
}

/** The first language of Accept-Language that serein speaks; undefined when none is named. */
function pickLanguage(header: string | undefined): Language | undefined {
  for (const part of header?.split(',') ?? []) {
    const tag = part.trim().slice(0, 2).toLowerCase();
    if (tag === 'fr' || tag === 'en') return tag;
  }
  return undefined;
}

export function requireCaller(req: FastifyRequest): Caller {
  if (!req.caller) throw unauthorized();
  return req.caller;
}

/** Admin-only endpoints answer 404 to clients: they do not learn what exists. */
export function requireAdmin(req: FastifyRequest): Caller {
  const caller = requireCaller(req);
  if (caller.kind !== 'admin') {
    throw adminOnly();
  }
  return caller;
}
