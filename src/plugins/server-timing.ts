/**
 * `Server-Timing: db;dur=<ms>;desc="<N> queries"` on every response, from
 * the request's query capture (API.md §4). The capture is bound to the
 * database handle the request reads through (src/orm/database-scope.ts, done
 * in resource-routes.ts), not to its async context: no AsyncLocalStorage, so
 * nothing can leak from one request into the next on a keep-alive socket.
 * A request that gave a token also gets `auth;dur=<ms>` (API.md §6).
 */
import type { FastifyInstance } from 'fastify';
import { QueryCapture } from '../orm/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    queryCapture: QueryCapture | null;
  }
}

export function registerServerTiming(app: FastifyInstance): void {
  app.decorateRequest('queryCapture', null);
  app.addHook('onRequest', (request, _reply, done) => {
    request.queryCapture = new QueryCapture();
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const capture = request.queryCapture;
    const count = capture?.count ?? 0;
    const duration = (capture?.durationMs ?? 0).toFixed(1);
    const db = `db;dur=${duration};desc="${count} queries"`;
    // The token check (plugins/auth.ts) is its own metric, present when a token was given.
    const auth = request.authDurationMs;
    reply.header('server-timing', typeof auth !== 'number' ? db : `${db}, auth;dur=${auth.toFixed(1)}`);
    done(null, payload);
  });
}
