/**
 * PostgreSQL WAL positions (`pg_lsn`, printed as `16B3/4A0F2C8`: two 32-bit
 * halves in hex) as bigints, so positions compare with `<` and `>=`.
 */
import { type Kysely, sql } from 'kysely';

export type Lsn = bigint;

const LSN_TEXT = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;

/** `'0/16B3748'` → `23803720n`; anything else (a `pg_lsn` never prints otherwise) → undefined. */
export function parseLsn(text: string): Lsn | undefined {
  const match = LSN_TEXT.exec(text);
  if (!match) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** The inverse of {@link parseLsn}, in PostgreSQL's own spelling (upper-case hex). */
export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * The primary's WAL insert position now: asked after a write's COMMIT
 * returned, it is at or past the end of that commit record (the insert
 * position, not the write position, so an asynchronous commit is covered too).
 */
export async function walInsertPosition(db: Kysely<any>): Promise<Lsn> {
  const { rows } = await WAL_INSERT_POSITION.execute(db);
  return lsnOfRow(rows[0]);
}

/** The statement of {@link walInsertPosition}, for callers that run it on a connection of their own. */
export const WAL_INSERT_POSITION = sql<{ lsn: string }>`select pg_current_wal_insert_lsn()::text as lsn`;

/** The position in a row of {@link WAL_INSERT_POSITION}. */
export function lsnOfRow(row: unknown): Lsn {
  return parseLsn((row as { lsn: string }).lsn)!;
}
