/**
 * The databases of one app: decorates `app.database` (the primary: writes,
 * token checks) and `app.reads` (which database a read goes to, API.md §9),
 * and closes them when the app closes (when the app owns them). Requests
 * reach them through their session (src/plugins/session.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import type { ReadRouter } from '../db/read-router.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The primary. */
    database: Database;
    /** Routes reads to the replica or the primary. */
    reads: ReadRouter;
  }
}

export interface DatabasePluginOptions {
  /** The primary. */
  database: Database;
  /** Where reads go (built from the primary and the optional replica). */
  reads: ReadRouter;
  /** Close the database on `app.close()` (the server owns it; tests close their own). */
  ownsDatabase: boolean;
}

export function registerDatabase(app: FastifyInstance, options: DatabasePluginOptions): void {
  const { database, reads } = options;
  app.decorate('database', database);
  app.decorate('reads', reads);
  app.addHook('onClose', async () => {
    await reads.stop();
    if (options.ownsDatabase) await Promise.all([database.close(), reads.replica?.close()]);
  });
}
