/**
 * Consistency tokens (API.md §9). A write response carries
 * `Loom-Consistency: <token>`, the primary's WAL position once the write has
 * committed; a request that sends the token back reads on the replica only
 * once the replica has replayed past it (else on the primary), so a client
 * that sends its last token always reads its own writes. The token is
 * PostgreSQL's LSN text (`0/16B3748`); clients treat it as opaque.
 *
 * `request.consistency` holds the position a request asked for (parsed once,
 * at `onRequest`: a malformed token is a 400 before any work is done), and
 * `reply.stampConsistency()` is what a write route calls once its transaction
 * committed.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { problems } from '../errors.js';
import { formatLsn, type Lsn, lsnOfRow, parseLsn, WAL_INSERT_POSITION } from '../db/lsn.js';

export const CONSISTENCY_HEADER = 'loom-consistency';

declare module 'fastify' {
  interface FastifyRequest {
    /** The WAL position the request's `Loom-Consistency` token asks its reads to see, if it sent one. */
    consistency: Lsn | undefined;
  }
  interface FastifyReply {
    /**
     * Sets `Loom-Consistency` to the primary's position now. Call after the write
     * committed. (Resolves to nothing: a reply is a thenable that settles once sent.)
     */
    stampConsistency(): Promise<void>;
  }
}

/** The token's position, or undefined for anything the service could not have issued. */
export function parseConsistencyToken(header: string | string[]): Lsn | undefined {
  return typeof header === 'string' ? parseLsn(header.trim()) : undefined;
}

export function registerConsistency(app: FastifyInstance): void {
  app.decorateRequest('consistency', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers[CONSISTENCY_HEADER];
    if (header === undefined) return done();
    const position = parseConsistencyToken(header);
    if (position === undefined) return done(problems.invalidConsistencyToken(Array.isArray(header) ? header.join(', ') : header));
    request.consistency = position;
    done();
  });
  // Asked on the request's own session: after a write's transaction it still holds its pooled
  // connection (until the response is sent), so asking on another one would need a second
  // connection per write, and with as many writes in flight as the pool has connections none would
  // ever come (every write then waited for the pool's timeout and answered 503 after committing).
  // Not a data statement: left out of the capture (Server-Timing).
  app.decorateReply('stampConsistency', async function stampConsistency(this: FastifyReply): Promise<void> {
    // Outside the request's read snapshot: opening one here cost a BEGIN and a COMMIT per write.
    const [{ rows }] = await this.request.session.executeTogether([WAL_INSERT_POSITION], { capture: false, snapshot: false });
    this.header(CONSISTENCY_HEADER, formatLsn(lsnOfRow(rows[0])));
  });
}
