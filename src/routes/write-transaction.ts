/**
 * Where a write runs: the request's session (src/plugins/session.ts) in a
 * read-write transaction on the primary (`session.transaction`), so every
 * write statement and the read of the response are captured (Server-Timing),
 * charged to the request's row budget and run under its statement timeout;
 * an error rolls everything back.
 *
 * On PGlite the transaction holds PGlite's exclusive lock, so concurrent
 * writes (and other sessions' statements) take turns.
 */
import type { FastifyRequest } from 'fastify';
import type { Session } from '../orm/index.js';

export function writeTransaction<T>(request: FastifyRequest, work: (session: Session) => Promise<T>): Promise<T> {
  return request.session.transaction(work);
}
