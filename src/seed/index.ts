import { type Kysely, sql } from 'kysely';
import { demoCounts } from './counts.js';
import { DEFAULT_SEED, generateDemoTables } from './generate.js';
import { DEFAULT_BATCH_SIZE, insertTable, syncIdSequence } from './insert.js';
import type { SeedProgress } from './progress.js';

export { demoCounts, MAX_SCALE, type DemoCounts } from './counts.js';
export { createProgressReporter, type ProgressReporter, type SeedProgress } from './progress.js';
export { DEFAULT_SEED } from './generate.js';

/** The tables demo data fills, parents first. */
export const DEMO_TABLES = ['authors', 'categories', 'tags', 'articles', 'article_tags', 'comments', 'reactions'] as const;

/** Seeding was refused or its options are invalid; the message says why and what to do. */
export class SeedError extends Error {
  override name = 'SeedError';
}

export interface SeedOptions {
  /** 1 = 1,000 authors, 10,000 articles, 100,000 comments; fractions shrink it (at least one row per table). */
  scale: number;
  /** Empty the tables first (and restart their ids) when they already hold rows. */
  reset?: boolean;
  /** Another seed gives another data set of the same shape. */
  seed?: number;
  /** Add hot spots: one author, one article and one tag with tens of thousands of rows (skeleton.ts). */
  skew?: boolean;
  /** Rows per INSERT statement. */
  batchSize?: number;
  /** Called after every batch (e.g. with `createProgressReporter().update`). */
  onProgress?: (progress: SeedProgress) => void;
}

export interface SeedSummary {
  /** Rows inserted per table. */
  rows: Record<string, number>;
  durationMs: number;
}

/** Whether any demo table holds a row (one short query). */
export async function hasDemoData(db: Kysely<any>): Promise<boolean> {
  const probes = sql.join(
    DEMO_TABLES.map((table) => sql`exists (select 1 from ${sql.table(table)})`),
    sql` or `,
  );
  const { rows } = await sql<{ present: boolean }>`select (${probes}) as present`.execute(db);
  return rows[0].present;
}

/** Empties every demo table and restarts its id sequence. */
export async function resetDemoData(db: Kysely<any>): Promise<void> {
  const tables = sql.join(DEMO_TABLES.map((table) => sql.table(table)));
  await sql`truncate ${tables} restart identity cascade`.execute(db);
}

function validScaleCounts(scale: number) {
  try {
    return demoCounts(scale);
  } catch (error) {
    throw new SeedError((error as Error).message);
  }
}

/**
 * Fills a migrated database with the deterministic demo data set: the same
 * scale (and seed) always yields the same rows, ids included, and the id
 * sequences continue after them. Runs in one transaction, so a failure leaves
 * the database as it was. Refuses a database that already has data unless
 * `reset` is set.
 *
 * ```ts
 * const { rows } = await seedDemoData(db, { scale: 0.1, onProgress: createProgressReporter().update });
 * rows.comments // 10000
 * ```
 */
export async function seedDemoData(db: Kysely<any>, options: SeedOptions): Promise<SeedSummary> {
  validScaleCounts(options.scale);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new SeedError(`batchSize must be a positive integer, got ${batchSize}`);
  const started = performance.now();
  const plans = generateDemoTables(options.scale, options.seed ?? DEFAULT_SEED, options.skew ?? false);
  const total = plans.reduce((sum, plan) => sum + plan.rowCount, 0);
  const rows: Record<string, number> = {};
  await db.transaction().execute(async (trx) => {
    if (await hasDemoData(trx)) {
      if (!options.reset) throw new SeedError('the database already has data; reset it to seed again (--reset)');
      await resetDemoData(trx);
    }
    let done = 0;
    for (const plan of plans) {
      let tableRows = 0;
      await insertTable(trx, plan, batchSize, (count) => {
        tableRows += count;
        done += count;
        options.onProgress?.({ table: plan.table, tableRows, tableTotal: plan.rowCount, rows: done, total });
      });
      if (plan.hasSerialId) await syncIdSequence(trx, plan.table);
      rows[plan.table] = tableRows;
    }
  });
  // Fresh statistics: right after a bulk load the planner guesses badly (a
  // sequential scan for `article_id = any($1)`) until autovacuum catches up.
  for (const plan of plans) await sql`analyze ${sql.table(plan.table)}`.execute(db);
  return { rows, durationMs: performance.now() - started };
}
