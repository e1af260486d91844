import { type Kysely, sql } from 'kysely';

/**
 * Timestamps keep milliseconds, not microseconds. The API prints them with
 * milliseconds and keyset cursors carry them as JavaScript Dates; with
 * microseconds stored, two rows a few microseconds apart would print the same
 * and a cursor between them could repeat or skip a row.
 */
const COLUMNS: [table: string, column: string][] = [
  ['authors', 'created_at'],
  ['articles', 'pub_date'],
  ['articles', 'created_at'],
  ['comments', 'created_at'],
  ['reactions', 'created_at'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, column] of COLUMNS) {
    await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} type timestamptz(3)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, column] of COLUMNS) {
    await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} type timestamptz`.execute(db);
  }
}
