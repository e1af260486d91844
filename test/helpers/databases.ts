import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Test } from 'tap';
import { createDatabase, type Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/**
 * Every database test runs on each enabled database: PGlite always, and the
 * real PostgreSQL server when TEST_DATABASE_URL names one (an admin URL: each
 * test file gets a throwaway database created there and dropped afterwards).
 */
export interface TestDatabase extends Database {
  /** 'pglite' or 'postgres', for test names. */
  label: string;
  /** Connection string of the throwaway database (postgres only). */
  url?: string;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function migrationsHash(): Promise<string> {
  const hash = createHash('sha256');
  const folder = join(root, 'migrations');
  for (const file of (await readdir(folder)).sort()) hash.update(await readFile(join(folder, file)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * A fresh in-memory PGlite costs ~5 s (initdb); restoring a dump of a migrated
 * one costs ~1 s. The dump is cached in .cache/ keyed by the migrations.
 */
async function pgliteTemplate(): Promise<Blob> {
  const file = join(root, '.cache', `pglite-template-${await migrationsHash()}.tar`);
  try {
    return new Blob([await readFile(file)]);
  } catch {
    const fresh = await createDatabase();
    await migrateToLatest(fresh.db);
    const dump = await fresh.pglite!.dumpDataDir('none');
    await fresh.close();
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
    await rename(tmp, file);
    return dump;
  }
}

/**
 * A migrated, empty PGlite. `thread`: in a worker thread, as `npm start`
 * runs it (src/db/pglite-thread.ts); most tests keep it in-thread, which
 * opens faster (measured: ~0.3 s less per database, the worker's start).
 */
export async function openPGlite(options: { thread?: boolean } = {}): Promise<TestDatabase> {
  const database = await createDatabase({ loadDataDir: await pgliteTemplate(), thread: options.thread });
  return { ...database, label: 'pglite' };
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function openPostgres(adminUrl: string): Promise<TestDatabase> {
  const name = `loom_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  // A generous wait for a pooled connection: four test files at once on two
  // loaded cores made PostgreSQL's fork + authentication exceed the service's 5 s.
  const database = await createDatabase({ url, connectionTimeoutMs: 30_000 });
  await migrateToLatest(database.db);
  return {
    ...database,
    label: 'postgres',
    url,
    close: async () => {
      await database.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** The databases this run tests against. */
export function enabledDatabases(): string[] {
  const kinds = ['pglite'];
  if (process.env.TEST_DATABASE_URL) kinds.push('postgres');
  return kinds;
}

/**
 * Runs `body` as a subtest once per enabled database, each with its own fresh,
 * migrated, empty database that is closed when the subtest ends
 * (`pgliteThread`: PGlite in a worker thread, as `npm start` runs it).
 */
export async function eachDatabase(
  t: Test,
  body: (t: Test, database: TestDatabase) => Promise<void>,
  options: { pgliteThread?: boolean } = {},
): Promise<void> {
  for (const kind of enabledDatabases()) {
    await t.test(kind, async (t) => {
      const database = kind === 'pglite' ? await openPGlite({ thread: options.pgliteThread }) : await openPostgres(process.env.TEST_DATABASE_URL!);
      t.teardown(() => database.close());
      await body(t, database);
    });
  }
}
