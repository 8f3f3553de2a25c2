import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OperationError } from '../errors.js';
import { rateLimited, tooManyFailedTokens } from './limit-errors.js';
import { requireCaller, type AuthGuard } from './auth.js';
import type { ApiContext } from './context.js';

/** What a client token is limited on, per window (config `limits`). */
export type TokenLimit = 'jobs' | 'doctorNames' | 'requests';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts `count` uses of `what` against the caller's token (keyed by its id, never the
     * token itself); past the configured limit, throws a 429 with Retry-After. Admins pass.
     */
    limitPerToken(what: TokenLimit, req: FastifyRequest, reply: FastifyReply, count?: number): Promise<void>;
    /**
     * A route's onRequest hook: refuses a request without a valid token (401) and counts one
     * use of `what`, before the body is read, so a flood of large or broken bodies is
     * refused as cheaply as any other flood.
     */
    limitBeforeBody(what: TokenLimit): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** Sets Retry-After (a second at least) and returns the 429 `refusal` builds for that wait (also for the live streams, src/api/streams.ts). */
export function tooMany(
  reply: FastifyReply,
  seconds: number,
  refusal: (seconds: number) => OperationError,
): OperationError {
  const s = Math.max(1, seconds);
  void reply.header('retry-after', String(s));
  return refusal(s);
}

/**
 * Request limits, counted by @fastify/rate-limit (in memory, per daemon): requests with a
 * token that is not valid per client address, and job submissions, diagnosed names and
 * requests in words per client token. Returns the guard the authentication hook calls.
 */
export async function installLimits(app: FastifyInstance, { config, store, engine }: ApiContext): Promise<AuthGuard> {
  // No global limit: only the uses below are counted, each by its own key.
  await app.register(rateLimit, { global: false });
  const { failedAuth } = config.limits;
  const authWindowMs = failedAuth.windowSeconds * 1000;
  // Keyed by client address (an IPv6 /64 counts as one, as the plugin does by default).
  const failures = app.createRateLimit({ max: failedAuth.max, timeWindow: authWindowMs });
  // One report per address and window: the first failure past the limit takes this single slot.
  const reported = app.createRateLimit({ max: 1, timeWindow: authWindowMs });

  const refuseAddress = (reply: FastifyReply, seconds: number, address: string) =>
    tooMany(reply, seconds, (s) =>
      tooManyFailedTokens(
        s,
        `address ${address}: more than ${failedAuth.max} failed authentications within ${failedAuth.windowSeconds} s`,
      ),
    );

  /** An audit line and an admin alert, once per address and window; never the token that was sent. */
  const report = async (req: FastifyRequest, retryAfter: number) => {
    const slot = await reported(req);
    if (!slot.isAllowed && slot.isExceeded) return;
    const address = req.ip;
    const detail = {
      address,
      failures: failedAuth.max + 1,
      windowSeconds: failedAuth.windowSeconds,
      refusedForSeconds: retryAfter,
      request: `${req.method} ${req.url.split('?')[0].slice(0, 200)}`,
      userAgent: String(req.headers['user-agent'] ?? '').slice(0, 200),
    };
    try {
      await store.audit.append({
        tokenId: null,
        tenantId: null,
        action: 'auth.address_refused',
        subject: `address:${address}`,
        inputs: undefined,
        plan: undefined,
        result: 'refused',
        detail,
      });
    } catch (err) {
      req.log.error({ err }, 'could not audit a refused address');
    }
    // Webhooks may be slow or down: the alert goes out beside the request, never holding it.
    void engine.services
      .alert({
        kind: 'auth_failures',
        tenantId: null,
        subject: `address:${address}`,
        message: `${address} sent more than ${failedAuth.max} requests with a token that is not valid within ${failedAuth.windowSeconds} s; its tokens that are not valid get 429 for ${retryAfter} s (valid ones are still served).`,
        detail,
      })
      .catch((err: unknown) => req.log.error({ err }, 'could not alert about a refused address'));
  };

  // Only tokens that do not verify are counted and refused: a valid token is served whatever
  // others sent from its address (behind a proxy, every client shares one). A valid token
  // never resets nor lowers the count either, so a client mixing its own token into its
  // guesses gets no more guesses than anyone. (A guess is still looked up once refused:
  // tokens hold 256 random bits, so the count is for noticing a scanner and telling it to stop.)
  const guard: AuthGuard = {
    async failed(req, reply) {
      const r = await failures(req);
      if (r.isAllowed || !r.isExceeded) return;
      await report(req, r.ttlInSeconds);
      throw refuseAddress(reply, r.ttlInSeconds, req.ip);
    },
  };

  const perToken = {} as Record<TokenLimit, { limiter: Limiter; max: number; windowSeconds: number }>;
  for (const what of ['jobs', 'doctorNames', 'requests'] as const) {
    const { max, windowSeconds } = config.limits[what];
    perToken[what] = {
      max,
      windowSeconds,
      limiter: app.createRateLimit({
        max,
        timeWindow: windowSeconds * 1000,
        keyGenerator: (req) => req.caller?.tokenId ?? '',
      }),
    };
  }
  const refuseToken = (reply: FastifyReply, what: TokenLimit, seconds: number) =>
    tooMany(reply, seconds, (s) =>
      rateLimited(
        what === 'doctorNames',
        s,
        `token limit ${what}: ${perToken[what].max} per ${perToken[what].windowSeconds} s`,
      ),
    );

  app.decorate('limitPerToken', async (what: TokenLimit, req: FastifyRequest, reply: FastifyReply, count = 1) => {
    if (!req.caller || req.caller.kind === 'admin') return;
    const { limiter } = perToken[what];
    const now = await limiter(req, { increment: false });
    // All or nothing: a request whose names do not all fit is refused without using any.
    if (!now.isAllowed && now.remaining < count) throw refuseToken(reply, what, now.ttlInSeconds);
    for (let i = 0; i < count; i++) {
      const r = await limiter(req);
      if (!r.isAllowed && r.isExceeded) throw refuseToken(reply, what, r.ttlInSeconds);
    }
  });
  app.decorate('limitBeforeBody', (what: TokenLimit) => async (req: FastifyRequest, reply: FastifyReply) => {
    requireCaller(req);
    await app.limitPerToken(what, req, reply);
  });
  return guard;
}
