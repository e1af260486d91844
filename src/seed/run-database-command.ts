import type { Kysely } from 'kysely';
import { ConfigError, loadConfig } from '../config.js';
import { createDatabase } from '../db/database.js';

/** A failure whose message is complete for the user: printed as is, without a stack trace. */
export class CommandError extends Error {
  override name = 'CommandError';
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * pg reports a host that resolves to several addresses (localhost: ::1 and
 * 127.0.0.1) as an AggregateError whose own message is empty.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(errorMessage))].join('; ');
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/**
 * Runs a command-line tool against the PostgreSQL server named by
 * DATABASE_URL. A missing or invalid variable, an unreachable server and any
 * failure of `command` end in one clear line on stderr and exit code 1; stack
 * traces are for bugs, not for a server that is down.
 */
export async function runDatabaseCommand(name: string, command: (db: Kysely<any>, url: string) => Promise<void>): Promise<void> {
  const fail = (message: string) => {
    process.stderr.write(`${name}: ${message}\n`);
    process.exitCode = 1;
  };
  let url: string | undefined;
  try {
    url = loadConfig().databaseUrl;
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  if (!url) {
    return fail('DATABASE_URL is not set; it must name a PostgreSQL database, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/loom');
  }
  const database = await createDatabase({ url, poolMax: 2 });
  try {
    try {
      await database.db.selectNoFrom((eb) => eb.lit(1).as('ok')).execute();
    } catch (error) {
      return fail(`cannot reach the database at ${redactUrl(url)}: ${errorMessage(error)}`);
    }
    await command(database.db, url);
  } catch (error) {
    fail(errorMessage(error));
  } finally {
    await database.close();
  }
}
