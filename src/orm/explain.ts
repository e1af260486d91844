import { CompiledQuery } from 'kysely';
import type { Session } from './session.js';

export interface ExplainOptions {
  /** Run the statement and report actual times and row counts (EXPLAIN ANALYZE). Default false. */
  analyze?: boolean;
}

/**
 * PostgreSQL's plan of one statement, as `EXPLAIN (FORMAT JSON)` gives it:
 * `{ Plan: { 'Node Type', 'Index Name', Plans: [...] }, 'Planning Time'?, 'Execution Time'? }`.
 */
export type QueryPlan = Record<string, unknown>;

/**
 * The plan of `sql` with its `parameters`, through `session` (its snapshot or
 * transaction) but not captured: EXPLAIN is a diagnosis, not data access.
 * With `analyze` the statement runs, so only use it on reads.
 *
 * ```ts
 * await explainStatement(session, 'select * from articles where id = $1', [1])
 * // { Plan: { 'Node Type': 'Index Scan', 'Index Name': 'articles_pkey', ... } }
 * ```
 */
export async function explainStatement(session: Session, sql: string, parameters: readonly unknown[], options: ExplainOptions = {}): Promise<QueryPlan> {
  const prefix = options.analyze ? 'explain (analyze, format json) ' : 'explain (format json) ';
  const [{ rows }] = await session.executeTogether([CompiledQuery.raw(prefix + sql, [...parameters])], { capture: false });
  // The driver returns the single json column either parsed or as text.
  const value = Object.values(rows[0] as Record<string, unknown>)[0];
  const plans = (typeof value === 'string' ? JSON.parse(value) : value) as QueryPlan[];
  return plans[0];
}

/** Every index a plan reads (`Index Name` at any depth), in plan order. */
export function indexesOf(plan: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const name = (node as Record<string, unknown>)['Index Name'];
    if (typeof name === 'string') found.push(name);
    for (const value of Object.values(node)) if (typeof value === 'object') walk(value);
  };
  walk(plan);
  return found;
}
