import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

/** The SQL statements one HTTP request ran. */
export interface QueryCount {
  count: number;
}

const current = new AsyncLocalStorage<QueryCount>();

/** Runs `fn` with a fresh counter and returns its result and the count. */
export async function withQueryCount<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number }> {
  const counter: QueryCount = { count: 0 };
  const result = await current.run(counter, fn);
  return { result, queries: counter.count };
}

/**
 * Wraps the query method of every client the pool hands out (`pool.query`
 * goes through one too, so it is not wrapped itself) so that
 * every statement run inside `withQueryCount` is counted. This is how the raw,
 * peer and naive servers report `x-query-count` without pg_stat_statements,
 * whatever library sits on top of the pool.
 */
export function countQueriesOn(pool: pg.Pool): pg.Pool {
  const wrap = <F extends (...args: any[]) => any>(query: F): F =>
    function (this: unknown, ...args: any[]) {
      const counter = current.getStore();
      if (counter && !isControlStatement(args[0])) counter.count += 1;
      return query.apply(this, args);
    } as F;
  pool.on('connect', (client) => {
    client.query = wrap(client.query.bind(client));
  });
  return pool;
}

// API.md section 2: transaction control is not data access.
const CONTROL = /^\s*(begin|commit|rollback|start\s+transaction|set\s|savepoint|release\s)/i;

function isControlStatement(query: unknown): boolean {
  const text = typeof query === 'string' ? query : (query as { text?: string } | null)?.text;
  return typeof text === 'string' && CONTROL.test(text);
}
