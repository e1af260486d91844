import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogEvent } from 'kysely';

/** One SQL statement the database ran, as seen by Kysely. */
export interface CapturedQuery {
  sql: string;
  parameters: readonly unknown[];
  durationMs: number;
}

/** The statements run inside one `captureQueries` scope (or one HTTP request). */
export class QueryCapture {
  readonly queries: CapturedQuery[] = [];
  durationMs = 0;
  get count(): number {
    return this.queries.length;
  }

  record(sql: string, parameters: readonly unknown[], durationMs: number): void {
    this.queries.push({ sql, parameters, durationMs });
    this.durationMs += durationMs;
  }
}

const scopes = new AsyncLocalStorage<QueryCapture[]>();

// Transaction control and session settings are not data access (API.md §2).
// Leading comments (markers such as src/db's deferred BEGIN) are skipped.
const CONTROL_STATEMENT = /^\s*(?:\/\*[^]*?\*\/\s*)*(begin|commit|rollback|start\s+transaction|set\s|savepoint|release\s)/i;

/**
 * Kysely `log` hook: pass it as `new Kysely({ log: logQuery })`. Every data
 * statement is appended to each capture scope that is active in the current
 * async context, so nested captures both see it.
 */
export function logQuery(event: LogEvent): void {
  const active = scopes.getStore();
  if (!active || active.length === 0) return;
  const { sql, parameters } = event.query;
  if (CONTROL_STATEMENT.test(sql)) return;
  for (const capture of active) capture.record(sql, parameters, event.queryDurationMillis);
}

/**
 * Runs `fn` and records every SQL statement it runs.
 *
 * ```ts
 * const { result, capture } = await captureQueries(() => Article.objects.using(db).prefetchRelated('tags'));
 * capture.count // 2
 * ```
 */
export async function captureQueries<T>(fn: () => Promise<T> | T): Promise<{ result: T; capture: QueryCapture }> {
  const capture = new QueryCapture();
  const outer = scopes.getStore() ?? [];
  const result = await scopes.run([...outer, capture], async () => await fn());
  return { result, capture };
}
