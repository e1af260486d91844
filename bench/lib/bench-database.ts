import { sql } from 'kysely';
import pg from 'pg';
import { issueToken } from '../../src/auth/tokens.js';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createProgressReporter, hasDemoData, seedDemoData } from '../../src/seed/index.js';

/** The local PostgreSQL server the benchmarks create their databases on. */
export const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432';
const DEFAULT_DATABASE = 'loom_bench';

/**
 * Returns the URL of the database to benchmark on, ready to use: DATABASE_URL
 * when set, else `loom_bench` on the local server (created when missing). The
 * schema is migrated and demo data at `scale` is seeded when the tables are empty,
 * so repeated runs reuse the same data; statistics are refreshed every time.
 */
export async function prepareBenchDatabase(scale: number, log: (line: string) => void, skew = false): Promise<string> {
  const url = process.env.DATABASE_URL ?? (await ensureDatabase(DEFAULT_SERVER, skew ? `${DEFAULT_DATABASE}_skew` : DEFAULT_DATABASE));
  const database = await createDatabase({ url });
  try {
    await migrateToLatest(database.db);
    if (!(await hasDemoData(database.db))) {
      log(`seeding demo data at scale ${scale}${skew ? ' with skew' : ''} (once; later runs reuse it)`);
      const progress = createProgressReporter();
      await seedDemoData(database.db, { scale, skew, onProgress: progress.update });
      progress.finish();
    }
    // Freshly loaded tables have no planner statistics until autovacuum gets to
    // them; without them PostgreSQL misjudges `= any($1)` on skewed foreign keys
    // and picks parallel sequential scans (measured: 160 ms instead of 1 ms).
    await sql`analyze`.execute(database.db);
  } finally {
    await database.close();
  }
  return url;
}

/** A new admin API token on the bench database (the bench asks loom as an admin). */
export async function adminToken(url: string): Promise<string> {
  const database = await createDatabase({ url });
  try {
    return (await issueToken(database.db, null)).token;
  } finally {
    await database.close();
  }
}

/** Creates database `name` on the server when it is missing; returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  return `${serverUrl}/${name}`;
}

/** The server's version string, for the report's machine line. */
export async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('show server_version');
    return `PostgreSQL ${rows[0].server_version}`;
  } finally {
    await client.end();
  }
}
