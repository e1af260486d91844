/**
 * Graceful shutdown in three steps, so a load balancer never sends a request
 * to a closed port and no client sees a connection drop mid-request:
 *
 * 1. `app.drain(graceMs)` marks the app draining: `/health/ready` answers 503
 *    at once (the balancer's health check takes the instance out), while every
 *    other request is still served for `graceMs`, each response saying
 *    `Connection: close` so keep-alive clients reconnect (through the balancer,
 *    to another instance) instead of staying on this one.
 * 2. After the grace period the listener closes (`app.close()`): no new
 *    connection is accepted, requests in flight finish, their connections
 *    close after the response; idle keep-alive connections are closed at once
 *    (Node's `server.close()` does that; they have been idle for the whole
 *    grace period, any request on them would have been told to leave).
 * 3. `app.close()` resolves once the last response is out and the database is
 *    closed; the server then exits 0.
 */
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** True from the moment `drain` is called: readiness fails, responses close their connection. */
    readonly draining: boolean;
    /** Steps 1-3 above; resolves when the app is closed. A second call returns the first one's promise. */
    drain(graceMs: number): Promise<void>;
  }
}

export function registerDrain(app: FastifyInstance): void {
  let drained: Promise<void> | undefined;
  app.decorate('draining', {
    getter: () => drained !== undefined,
  });
  app.decorate('drain', function drain(graceMs: number): Promise<void> {
    // Unreferenced: the listener keeps the process alive meanwhile, and an app closed early is not held up.
    drained ??= new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, graceMs)).unref()).then(() => app.close());
    return drained;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (drained !== undefined) reply.header('connection', 'close');
    done(null, payload);
  });
  // `app.close()` without `drain` (tests, embedded use) still tells in-flight responses to close.
  app.addHook('preClose', (done) => {
    drained ??= Promise.resolve();
    done();
  });
}
