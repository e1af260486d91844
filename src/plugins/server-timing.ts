/**
 * `Server-Timing: db;dur=<ms>;desc="<N> queries"` on every response, from
 * the ORM's per-request query capture (API.md §4).
 */
import type { FastifyInstance } from 'fastify';
import { enterQueryCapture, type QueryCapture } from '../orm/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    queryCapture: QueryCapture | null;
  }
}

export function registerServerTiming(app: FastifyInstance): void {
  app.decorateRequest('queryCapture', null);
  // A callback hook, not an async one: enterQueryCapture() binds the capture to
  // the async context that continues into this request's handler.
  app.addHook('onRequest', (request, _reply, done) => {
    request.queryCapture = enterQueryCapture();
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const capture = request.queryCapture;
    const count = capture?.count ?? 0;
    const duration = (capture?.durationMs ?? 0).toFixed(1);
    reply.header('server-timing', `db;dur=${duration};desc="${count} queries"`);
    done(null, payload);
  });
}
