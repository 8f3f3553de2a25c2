import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from '../log.js';
import { installAuth } from './auth.js';
import type { ApiContext } from './context.js';
import { clientErrorHandler, frameworkErrors, installErrorHandler } from './errors.js';
import { installBodyRules } from './body.js';
import { installLimits } from './limits.js';
import { installMetrics } from './metrics.js';
import { installOpenApi } from './openapi.js';
import { lazyCompilers } from './lazy-compilers.js';
import { health } from './schemas.js';
import { adminRoutes } from './routes/admin.js';
import { jobRoutes } from './routes/jobs.js';
import { certificateRoutes } from './routes/certificates.js';
import { doctorRoutes } from './routes/doctor.js';
import { selfServiceRoutes } from './routes/self-service.js';
import { requestRoutes } from './routes/requests.js';
import { escalationRoutes } from './routes/escalations.js';
import { trashRoutes } from './routes/trash.js';

/** A route plugin: one concern, registered with the daemon's parts. */
export type RoutePlugin = (app: FastifyInstance, ctx: ApiContext) => Promise<void>;

/** Route plugins served by the API. A new concern adds its plugin here. */
export const routePlugins: RoutePlugin[] = [
  jobRoutes,
  adminRoutes,
  doctorRoutes,
  certificateRoutes,
  selfServiceRoutes,
  escalationRoutes,
  requestRoutes,
  trashRoutes,
];

/** Routes polled by machines (liveness probes, Prometheus): at info they would drown the journal. */
const POLLED = new Set(['/healthz', '/metrics']);

/**
 * One journal line per request, once it is answered, where fastify writes two (received,
 * completed): method, address, status and time at info; health checks and metrics scrapes
 * at debug. The address is cut at its query string, which may carry a cursor or a name.
 */
class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null, req: FastifyRequest, reply: FastifyReply): void {
    const url = req.url.split('?')[0].slice(0, 200);
    const line = {
      method: req.method,
      url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      ip: req.ip,
      ...(error ? { err: error } : {}),
    };
    if (error) reply.log.error(line, 'request');
    else if (POLLED.has(url)) reply.log.debug(line, 'request');
    else reply.log.info(line, 'request');
  }
}

/** Builds the HTTP API. It does not listen: the daemon (or a test) decides where. */
export async function buildApi(ctx: ApiContext, logger: Logger, version: string): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new RequestLog(),
    bodyLimit: ctx.config.limits.bodyBytes,
    trustProxy: ctx.config.server.trustProxy,
    forceCloseConnections: true,
    frameworkErrors,
    clientErrorHandler,
    schemaController: { compilersFactory: lazyCompilers as never },
  }) as unknown as FastifyInstance;
  installErrorHandler(app);
  installBodyRules(app, ctx.config.limits.json);
  const guard = await installLimits(app, ctx);
  installAuth(app, { store: ctx.store, defaultLanguage: ctx.config.language, guard });
  await installOpenApi(app, version);
  await installMetrics(app, ctx);
  app.get(
    '/healthz',
    { config: { doc: { summary: 'Liveness', tag: 'health', auth: 'none', response: { 200: health } } } },
    async () => ({ status: 'ok' }),
  );
  for (const plugin of routePlugins) await plugin(app, ctx);
  return app;
}
