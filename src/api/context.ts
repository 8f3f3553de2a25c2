import type { z } from 'zod';
import type { Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import type { Store } from '../store/store.js';

/** What every route plugin receives: the daemon's parts, nothing global. */
export interface ApiContext { config: Config; store: Store; engine: Engine }

/** Route documentation, collected into /openapi.json. Put it in a route's `config.doc`. */
export interface RouteDoc { summary: string; tag: string; body?: z.ZodType; auth?: 'none' | 'any' | 'admin' }

declare module 'fastify' {
  interface FastifyContextConfig { doc?: RouteDoc }
}
