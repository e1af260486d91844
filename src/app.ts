/**
 * The app factory: tests drive it with `inject()`, src/server.ts listens.
 * One plugin per concern; the database is passed in, never imported.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Database } from './db/database.js';
import { ReadRouter } from './db/read-router.js';
import { registerAuth } from './plugins/auth.js';
import { registerConsistency } from './plugins/consistency.js';
import { registerDatabase } from './plugins/database.js';
import { problemFor, registerErrorHandler, sendProblem } from './plugins/error-handler.js';
import { securityPlugin, type SecurityOptions } from './plugins/security.js';
import { registerDrain } from './plugins/drain.js';
import { registerHealth } from './plugins/health.js';
import { registerHttpCaching } from './plugins/http-caching.js';
import { registerQueryPlans } from './plugins/query-plans.js';
import { registerServerTiming } from './plugins/server-timing.js';
import { registerSession } from './plugins/session.js';
import { registerSwagger } from './plugins/swagger.js';
import { registerResourceRoutes } from './routes/resource-routes.js';
import { registerWriteRoutes } from './routes/write-routes.js';
import { resources } from './routes/resources/index.js';
import { buildAllInputSchemas } from './serializers/input-schemas.js';
import { buildResourceSchemas } from './serializers/resource-schemas.js';
import { DEFAULT_RESPONSE_LIMITS, type ResponseLimits } from './serializers/response-budget.js';
import { serializerCompiler } from './serializers/serializer-compiler.js';

export interface AppOptions extends Partial<SecurityOptions> {
  /** The primary: writes, token checks, and reads without a usable replica. */
  database: Database;
  /** A streaming replica of `database` for reads (API.md §9). */
  readReplica?: Database;
  /** Reads leave the replica while it lags more than this (ms). Default 5,000. */
  readReplicaMaxLagMs?: number;
  /** Close the database when the app closes (the server does; tests close their own). Default false. */
  ownsDatabase?: boolean;
  /** Per-request statement timeout on PostgreSQL (ms), 0 for none. Default 10,000. */
  statementTimeoutMs?: number;
  /** Answer `Accept: application/vnd.loom.plan+json` with the requests' query plans (EXPLAIN_ENABLED). Default false: 404. */
  explainEnabled?: boolean;
  /** Most rows one request may load. Default 20,000. */
  rowBudget?: number;
  /** Most objects / bytes one response may render (default: DEFAULT_RESPONSE_LIMITS, 50,000 objects, 16 MiB). */
  responseLimits?: Partial<ResponseLimits>;
  /** Fastify logger options; default: no logging. */
  logger?: FastifyServerOptions['logger'];
  bodyLimitBytes?: number;
  /** How long a verified token is trusted before it is checked again (ms, at most 10,000). Default 10,000. */
  tokenCacheMs?: number;
}

// The resources and their schemas are static; building them once keeps the
// zod component ids unique however many apps a test process builds.
const schemas = buildResourceSchemas(resources);
const inputSchemas = buildAllInputSchemas(resources);

/**
 * Builds the app (not listening).
 *
 * ```ts
 * const app = await buildApp({ database });
 * const response = await app.inject('/articles?include=author,tags');
 * ```
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    genReqId: () => randomUUID(),
    bodyLimit: options.bodyLimitBytes,
    // Repeated parameters arrive as arrays and are refused by the request parser.
    routerOptions: { ignoreTrailingSlash: true },
    // In-flight and keep-alive requests are still answered while the server
    // drains on SIGTERM; the listener is closed, so no new connection arrives.
    return503OnClosing: false,
    // Connections close after their in-flight request (see src/plugins/drain.ts).
    forceCloseConnections: false,
    // The router's own errors (a malformed escape, an over-long URL) are
    // problem+json like every other error.
    frameworkErrors: (error, request, reply) => {
      sendProblem(reply, request, problemFor(error));
    },
  });
  // Query parameters are validated by src/routes/request-parser.ts, whose errors
  // name the offending token; the zod schemas of the routes document them.
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });

  registerErrorHandler(app);
  await app.register(securityPlugin, { corsOrigin: options.corsOrigin, rateLimitPerMinute: options.rateLimitPerMinute ?? 0 });
  registerServerTiming(app);
  await registerHttpCaching(app);
  registerQueryPlans(app, { enabled: options.explainEnabled ?? false });
  registerDrain(app);
  registerDatabase(app, {
    database: options.database,
    reads: await ReadRouter.start(options.database, options.readReplica, options.readReplicaMaxLagMs ?? 5000),
    ownsDatabase: options.ownsDatabase ?? false,
  });
  registerSession(app, {
    database: options.database,
    rowBudget: options.rowBudget ?? 20_000,
    statementTimeoutMs: options.statementTimeoutMs ?? 10_000,
  });
  registerConsistency(app);
  registerAuth(app, { tokenCacheMs: options.tokenCacheMs });
  await registerSwagger(app, { resources, rateLimited: (options.rateLimitPerMinute ?? 0) > 0, plansEnabled: options.explainEnabled ?? false });
  registerHealth(app);
  const responseLimits = { ...DEFAULT_RESPONSE_LIMITS, ...options.responseLimits };
  registerResourceRoutes(app, resources, schemas, { responseLimits });
  registerWriteRoutes(app, resources, schemas, inputSchemas, { responseLimits });
  return app;
}
