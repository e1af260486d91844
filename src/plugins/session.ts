/**
 * Every request gets its unit of work, `request.session` (src/orm/session.ts),
 * before any handler runs, and it is closed when the response is sent: a
 * route cannot forget it, and whatever runs SQL through it is counted in
 * Server-Timing and charged to the request's row budget.
 *
 * On PostgreSQL the session reads in one `repeatable read, read only`
 * snapshot with a `SET LOCAL statement_timeout`, so the page and its
 * prefetches see the same data; its BEGIN travels with the first query and
 * its COMMIT with the connection's next use (src/db/pipelining-client.ts).
 * A request that writes uses `request.session.transaction(fn)`. Nothing is
 * taken from the pool until the first statement.
 */
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import { Session } from '../orm/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    session: Session;
  }
}

export interface SessionPluginOptions {
  database: Database;
  /** Most rows one request may load across all its queries (past it: 400). */
  rowBudget: number;
  /** Per-request statement timeout on PostgreSQL (ms); 0 disables it. */
  statementTimeoutMs: number;
}

export function registerSession(app: FastifyInstance, options: SessionPluginOptions): void {
  const { database } = options;
  const sessionOptions = { snapshot: true, rowBudget: options.rowBudget, statementTimeoutMs: options.statementTimeoutMs };
  app.decorateRequest('session', null as unknown as Session);
  app.addHook('onRequest', (request, _reply, done) => {
    request.session = new Session(database, sessionOptions);
    done();
  });
  // Before the response leaves (Server-Timing reads the session after this);
  // onResponse catches a request whose reply never went through onSend.
  app.addHook('onSend', async (request) => {
    await request.session?.close();
  });
  app.addHook('onResponse', async (request) => {
    await request.session?.close();
  });
}
