import type { CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { QueryCapture } from './query-capture.js';
import type { RowBudget } from './row-budget.js';

/**
 * What one unit of work (an HTTP request) attaches to the database handle it
 * reads through: a capture that records the ORM's statements and a row budget
 * they are charged to.
 *
 * This is the explicit twin of `captureQueries` / `withRowBudget`, which find
 * their scope through AsyncLocalStorage. On Node 20 an AsyncLocalStorage in
 * use installs promise hooks that run for every promise of the process; the
 * REST service paid ~10 % of its CPU per request for them (benchmark scenario
 * 1, same-run A/B: 2.55 → 2.28 ms at page size 50, 0.92 → 0.83 ms at 10), so
 * the service binds its scope to the request's handle instead. The handle
 * must be the request's own (a snapshot's connection, or a copy of the
 * database handle), not one shared with other requests.
 *
 * ```ts
 * bindDatabaseScope(db, { capture, budget: new RowBudget(20_000) });
 * await Article.objects.using(db).prefetchRelated('tags'); // counted and charged
 * ```
 */
export interface DatabaseScope {
  readonly capture?: QueryCapture;
  readonly budget?: RowBudget;
}

const scopes = new WeakMap<Kysely<any>, DatabaseScope>();

export function bindDatabaseScope(db: Kysely<any>, scope: DatabaseScope): void {
  scopes.set(db, scope);
}

export function databaseScope(db: Kysely<any> | undefined): DatabaseScope | undefined {
  return db === undefined ? undefined : scopes.get(db);
}

/** Runs `query` through `run` and records it in the capture bound to `db`, if any (failed ones too). */
export async function recorded<R>(db: Kysely<any>, query: CompiledQuery<R>, run: () => Promise<QueryResult<R>>): Promise<QueryResult<R>> {
  const capture = scopes.get(db)?.capture;
  if (!capture) return run();
  const start = performance.now();
  try {
    return await run();
  } finally {
    capture.record(query.sql, query.parameters, performance.now() - start);
  }
}
