import { recorded } from './database-scope.js';
import type { ModelInstance } from './instance.js';
import type { PendingFetch, QuerySet } from './query-set.js';

/** The rows of one queryset fetched side by side with others, taken when used. */
export type Fetched<T> = () => T[];

/**
 * Runs the queries of several querysets (each without its prefetches) at
 * once on one connection of their database, instead of one after another.
 * On PostgreSQL the pipelining client (src/db/pipelining-client.ts) sends
 * queries asked for in the same tick in one write and PostgreSQL answers them
 * in one go; a connection that cannot pipeline runs them in order, as before.
 * Either way the queries share the connection, so inside a snapshot they see
 * the same data.
 *
 * Each result is taken (counted against the row budget, hydrated) when the
 * caller uses it, so the budget is charged in the caller's order. A failed
 * query fails every result that shared its round trip.
 */
export async function fetchSideBySide<T extends ModelInstance>(querysets: readonly QuerySet<T>[]): Promise<Fetched<T>[]> {
  const pending: PendingFetch<T>[] = querysets.map((queryset) => queryset.startFetch());
  const running = pending.filter((p) => p.query !== undefined);
  const dbs = new Set(running.map((p) => p.db));
  let rows: Record<string, unknown>[][];
  if (running.length > 1 && dbs.size === 1) {
    const [db] = dbs;
    rows = await db.getExecutor().provideConnection((connection) =>
      Promise.all(running.map(async (p) => (await recorded(db, p.query!, () => connection.executeQuery(p.query!))).rows)),
    );
  } else {
    rows = await Promise.all(running.map(async (p) => (await recorded(p.db, p.query!, () => p.db.executeQuery(p.query!))).rows));
  }
  let next = 0;
  return pending.map((p) => {
    const result = p.query ? rows[next++] : [];
    return () => p.take(result);
  });
}
