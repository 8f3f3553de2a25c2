import { createRequire } from 'node:module';

/** Fastify's own packages, found beside it. */
const fastifyRequire = createRequire(createRequire(import.meta.url).resolve('fastify'));
type CompilerFactory = (...args: unknown[]) => unknown;
let validators: CompilerFactory | undefined;
let serializers: CompilerFactory | undefined;

/**
 * Fastify's schema compilers (ajv, fast-json-stringify), the very ones it would take, loaded
 * when a route first declares a schema: serein's routes check what they receive with zod and
 * declare none, and Fastify requiring both at every start was 0.1 s of it (issue 25).
 */
export const lazyCompilers = {
  buildValidator: (...args: unknown[]) =>
    (validators ??= (fastifyRequire('@fastify/ajv-compiler') as () => CompilerFactory)())(...args),
  buildSerializer: (...args: unknown[]) =>
    (serializers ??= (fastifyRequire('@fastify/fast-json-stringify-compiler') as () => CompilerFactory)())(...args),
};
