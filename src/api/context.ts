import type { z } from 'zod';
import type { Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import type { Store } from '../store/store.js';

/** What every route plugin receives: the daemon's parts, nothing global. */
export interface ApiContext {
  config: Config;
  store: Store;
  engine: Engine;
}

/**
 * Route documentation, turned into /openapi.json (src/api/openapi.ts). Put it in a
 * route's `config.doc`, with the same zod schemas the route parses with, so the document
 * cannot drift from what the route accepts.
 */
export interface RouteDoc {
  summary: string;
  tag: string;
  description?: string;
  body?: z.ZodType;
  /** Alternatives of the body, one documented schema each (POST /v1/jobs: one per playbook), told apart by `property`. */
  bodyVariants?: { property: string; schemas: () => Record<string, object> };
  query?: z.ZodType;
  params?: z.ZodType;
  /** Success answers by status; null for an answer without a body (204). */
  response?: Record<number, z.ZodType | null>;
  /** What the success answer is when it is not JSON (text/event-stream, text/plain). */
  produces?: string;
  auth?: 'none' | 'any' | 'admin';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    doc?: RouteDoc;
  }
}
