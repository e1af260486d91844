/**
 * Graceful drain on close. HTTP keep-alive has a race: a server that closes
 * an idle connection can meet the client's next request on the wire, which
 * the client sees as a reset. So on close the listener stops accepting, every
 * response says `Connection: close` so clients leave on their own, and only
 * after a grace period are the connections still idle closed.
 */
import type { FastifyInstance } from 'fastify';

export function registerDrain(app: FastifyInstance, graceMs: number): void {
  let draining = false;
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('preClose', (done) => {
    draining = true;
    // Runs after Fastify has stopped the listener (right after this hook).
    const closeIdle = () => app.server.closeIdleConnections();
    if (graceMs > 0) setTimeout(closeIdle, graceMs);
    else setImmediate(closeIdle);
    done();
  });
}
