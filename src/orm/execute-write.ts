import type { QueryResult, RawBuilder } from 'kysely';
import { IntegrityError } from './errors.js';
import type { Session } from './session.js';

const KINDS: Record<string, IntegrityError['kind']> = {
  '23505': 'unique',
  '23503': 'foreignKey',
  '23502': 'notNull',
  '23514': 'check',
};

/** `Key (author_id)=(99) is not present …` / `Key (article_id, tag_id)=(1, 2) already exists.` */
const KEY_DETAIL = /^Key \(([^,)]+)[^)]*\)=\(([^,)]*)/;

/** The database's integrity violation as an IntegrityError, or undefined for any other error. */
export function integrityError(error: unknown): IntegrityError | undefined {
  const e = error as { code?: unknown; detail?: unknown; table?: unknown; column?: unknown; message?: unknown };
  const kind = typeof e?.code === 'string' ? KINDS[e.code] : undefined;
  if (!kind) return undefined;
  const key = typeof e.detail === 'string' ? KEY_DETAIL.exec(e.detail) : null;
  const column = key?.[1] ?? (typeof e.column === 'string' ? e.column : undefined);
  return new IntegrityError(String(e.message), kind, typeof e.table === 'string' ? e.table : undefined, column, key?.[2], { cause: error });
}

/**
 * Runs one write statement through `session` (captured, so it counts in
 * Server-Timing like a read), with integrity violations raised as
 * IntegrityError.
 */
export async function executeWrite<R>(session: Session, statement: RawBuilder<R>): Promise<QueryResult<R>> {
  try {
    return await session.execute(statement);
  } catch (error) {
    throw integrityError(error) ?? error;
  }
}

/** The rows a statement changed, as a number (drivers report a bigint, or nothing). */
export function affectedRows(result: QueryResult<unknown>): number {
  return Number(result.numAffectedRows ?? result.numChangedRows ?? 0n);
}
