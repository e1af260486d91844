/**
 * Where a write runs: one transaction on the primary (never a replica), with
 * the request's query capture bound to it, so every write statement and the
 * read of the response count in Server-Timing. This is the one place to
 * switch to the Session of issue 11.
 *
 * PGlite has a single connection that Kysely shares between concurrent
 * callers; two transactions there at once would interleave on it, so writes
 * on PGlite take turns.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { bindDatabaseScope, RowBudget } from '../orm/index.js';

export interface WriteTransactionOptions {
  /** Per-statement timeout on PostgreSQL (ms), 0 for none. */
  statementTimeoutMs: number;
  rowBudget: number;
}

export type WriteTransaction = <T>(request: FastifyRequest, work: (db: Kysely<any>) => Promise<T>) => Promise<T>;

export function writeTransaction(app: FastifyInstance, options: WriteTransactionOptions): WriteTransaction {
  const database = app.database;
  let turn: Promise<unknown> = Promise.resolve();
  const run = async <T>(request: FastifyRequest, work: (db: Kysely<any>) => Promise<T>): Promise<T> =>
    database.db.transaction().execute(async (trx) => {
      bindDatabaseScope(trx, { capture: request.queryCapture ?? undefined, budget: new RowBudget(options.rowBudget) });
      if (database.kind === 'postgres' && options.statementTimeoutMs > 0) {
        await sql.raw(`set local statement_timeout = ${Math.trunc(options.statementTimeoutMs)}`).execute(trx);
      }
      return work(trx);
    });
  if (database.kind === 'postgres') return run;
  return (request, work) => {
    const result = turn.then(() => run(request, work));
    turn = result.catch(() => undefined);
    return result;
  };
}
