/**
 * Named prepared statements for the ORM's SELECTs (issue 12): a statement is
 * parsed and planned once per connection and then only bound and executed.
 * Its name is a hash of its text, so every compiled query shape gets one.
 *
 * On by default; a database opened with `preparedStatements: false`
 * (DB_PREPARED_STATEMENTS=false) sends every statement unnamed, for poolers
 * that hand a transaction to any server connection (PgBouncer in transaction
 * mode before 1.21, as on the machine this was built on: 1.18): they cannot
 * keep a statement parsed on one connection for the next transaction on another.
 */
import { createHash } from 'node:crypto';

/** At most this many names per connection; past it, statements go unnamed (PostgreSQL keeps each plan per session). */
export const MAX_NAMED_PER_CONNECTION = 500;

const MAX_CACHED_NAMES = 2000;
const names = new Map<string, string>();
const SELECT = /^\s*select\b/i;

/** The name `text` is prepared under, or undefined when it runs unnamed (not a SELECT). */
export function statementName(text: string): string | undefined {
  if (!SELECT.test(text)) return undefined;
  let name = names.get(text);
  if (name === undefined) {
    name = `loom_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    if (names.size >= MAX_CACHED_NAMES) names.clear();
    names.set(text, name);
  }
  return name;
}
