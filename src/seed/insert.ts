import { type Kysely, sql } from 'kysely';
import type { ColumnSpec, TablePlan } from './generate.js';

/** Rows per INSERT: large enough that statement overhead vanishes, small enough for steady progress. */
export const DEFAULT_BATCH_SIZE = 5_000;

/**
 * Inserts column-major `values` (one array per column) in ONE statement,
 * whatever the row count: each column travels as a single array parameter that
 * `unnest` turns back into rows, so a batch costs a handful of parameters
 * instead of one per value (and stays far below the 65,535-parameter limit).
 *
 * ```sql
 * insert into "tags" ("id", "name", "active")
 * select * from unnest($1::bigint[], $2::text[], $3::boolean[])
 * ```
 */
export async function insertColumns(
  db: Kysely<any>,
  table: string,
  columns: readonly ColumnSpec[],
  values: readonly unknown[][],
): Promise<void> {
  const names = sql.join(columns.map((column) => sql.id(column.name)));
  // The types come from TablePlan's fixed ColumnType union, never from input.
  const arrays = sql.join(columns.map((column, i) => sql`${values[i]}::${sql.raw(column.type)}[]`));
  await sql`insert into ${sql.table(table)} (${names}) select * from unnest(${arrays})`.execute(db);
}

/**
 * Streams a table's rows into the database in batches of `batchSize`,
 * calling `onBatch` with the number of rows written after each.
 */
export async function insertTable(
  db: Kysely<any>,
  plan: TablePlan,
  batchSize: number,
  onBatch: (rows: number) => void,
): Promise<void> {
  let batch: unknown[][] = plan.columns.map(() => []);
  let size = 0;
  const flush = async () => {
    await insertColumns(db, plan.table, plan.columns, batch);
    onBatch(size);
    batch = plan.columns.map(() => []);
    size = 0;
  };
  for (const row of plan.rows()) {
    for (let i = 0; i < row.length; i++) batch[i].push(row[i]);
    if (++size === batchSize) await flush();
  }
  if (size > 0) await flush();
}

/**
 * Explicit ids leave a bigserial's sequence behind; this moves it to the
 * table's largest id so the next plain insert gets max + 1.
 */
export async function syncIdSequence(db: Kysely<any>, table: string): Promise<void> {
  await sql`select setval(pg_get_serial_sequence(${table}, 'id'), max(id)) from ${sql.table(table)} having max(id) is not null`.execute(db);
}
