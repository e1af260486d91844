/**
 * `Server-Timing: db;dur=<ms>;desc="<N> queries"` on every response, from
 * the ORM's per-request query capture (API.md §4).
 */
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';
import { enterQueryCapture, type QueryCapture } from '../orm/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    queryCapture: QueryCapture | null;
  }
}

/**
 * Runs `fn` in the async context of module load, where no query capture is
 * active. A keep-alive socket carries the context its previous request left
 * behind; a capture entered there would inherit the previous captures and
 * keep them all counting (a leak the soak test found).
 */
const outsideAnyRequest = AsyncLocalStorage.snapshot();

export function registerServerTiming(app: FastifyInstance): void {
  app.decorateRequest('queryCapture', null);
  // A callback hook, not an async one: the rest of the request (hooks, handler)
  // continues synchronously from `done()`, inside a fresh per-request async
  // resource whose context holds only this request's capture.
  app.addHook('onRequest', (request, _reply, done) => {
    const scope = outsideAnyRequest(() => new AsyncResource('loom.request'));
    scope.runInAsyncScope(() => {
      request.queryCapture = enterQueryCapture();
      done();
    });
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const capture = request.queryCapture;
    const count = capture?.count ?? 0;
    const duration = (capture?.durationMs ?? 0).toFixed(1);
    reply.header('server-timing', `db;dur=${duration};desc="${count} queries"`);
    done(null, payload);
  });
}
