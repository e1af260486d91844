/**
 * `Server-Timing: db;dur=<ms>;desc="<N> queries"` on every response, from
 * the request's session (src/plugins/session.ts): N is the statements it
 * ran, dur the wall time it waited for the database (statements in flight
 * together counted once). The session belongs to the request, so nothing can
 * leak from one request into the next on a keep-alive socket.
 * A request that gave a token also gets `auth;dur=<ms>` (API.md §6).
 */
import type { FastifyInstance } from 'fastify';

export function registerServerTiming(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    const session = request.session;
    const count = session?.count ?? 0;
    const duration = (session?.durationMs ?? 0).toFixed(1);
    const db = `db;dur=${duration};desc="${count} queries"`;
    // The token check (plugins/auth.ts) is its own metric, present when a token was given.
    const auth = request.authDurationMs;
    reply.header('server-timing', typeof auth !== 'number' ? db : `${db}, auth;dur=${auth.toFixed(1)}`);
    done(null, payload);
  });
}
