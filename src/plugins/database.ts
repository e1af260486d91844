/**
 * The databases of one app: decorates `app.database` (the primary: writes,
 * token checks), `app.reads` (which database a read goes to, API.md §9) and
 * `app.readSnapshot`, and closes them when the app closes (when the app owns
 * them).
 */
import type { FastifyInstance } from 'fastify';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Lsn } from '../db/lsn.js';
import { deferredTransaction } from '../db/pipelining-client.js';
import type { ReadRouter } from '../db/read-router.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The primary. */
    database: Database;
    /** Routes reads to the replica or the primary. */
    reads: ReadRouter;
    /**
     * Runs a request's reads in one consistent snapshot (see `registerDatabase`),
     * on the replica when it has replayed past `after` (a consistency token), else the primary.
     */
    readSnapshot<T>(read: (db: Kysely<any>) => Promise<T>, after?: Lsn): Promise<T>;
  }
}

export interface DatabasePluginOptions {
  /** The primary. */
  database: Database;
  /** Where reads go (built from the primary and the optional replica). */
  reads: ReadRouter;
  /** Close the database on `app.close()` (the server owns it; tests close their own). */
  ownsDatabase: boolean;
  /** Per-request statement timeout on PostgreSQL (ms); 0 disables it. */
  statementTimeoutMs: number;
}

/**
 * On PostgreSQL, each request reads in one `repeatable read, read only`
 * transaction, so the page and its prefetches see the same snapshot, with a
 * `SET LOCAL statement_timeout`. PGlite has a single connection that its
 * Kysely driver shares between concurrent requests, so a transaction there
 * would interleave with other requests' queries: it reads without one.
 */
export function registerDatabase(app: FastifyInstance, options: DatabasePluginOptions): void {
  const { database, reads, statementTimeoutMs } = options;
  app.decorate('database', database);
  app.decorate('reads', reads);
  const timeout = Math.trunc(statementTimeoutMs);
  // BEGIN and the timeout travel with the request's first query and COMMIT
  // with the connection's next use (see src/db/pipelining-client.ts):
  // per-request round trips, not SQL, dominate the cost of a small read.
  const statements = ['begin isolation level repeatable read read only'];
  if (timeout > 0) statements.push(`set local statement_timeout = ${timeout}`);
  const transaction = deferredTransaction(statements);
  // Compiled once: they run on every request.
  const [begin, commit, rollback] = [transaction.begin, transaction.commit, transaction.rollback].map((text) => CompiledQuery.raw(text));
  const snapshot = <T>(database: Database, read: (db: Kysely<any>) => Promise<T>): Promise<T> => {
    // A copy of the handle (the database has no plugins to drop): each request gets its own (see database-scope.ts).
    if (database.kind !== 'postgres') return read(database.db.withoutPlugins());
    return database.db.connection().execute(async (connection) => {
      await connection.executeQuery(begin);
      try {
        const result = await read(connection);
        await connection.executeQuery(commit);
        return result;
      } catch (error) {
        // A failed rollback means the connection is gone; the pool discards it.
        await connection.executeQuery(rollback).catch(() => undefined);
        throw error;
      }
    });
  };
  app.decorate('readSnapshot', function readSnapshot<T>(read: (db: Kysely<any>) => Promise<T>, after?: Lsn): Promise<T> {
    return reads.read(after, (chosen) => snapshot(chosen, read));
  });
  app.addHook('onClose', async () => {
    await reads.stop();
    if (options.ownsDatabase) await Promise.all([database.close(), reads.replica?.close()]);
  });
}
