import type { Kysely } from 'kysely';
import { Migrator, type MigrationResultSet } from 'kysely/migration';
import { migrationProvider } from '../../migrations/index.js';

/** Applies every pending migration; running it again is a no-op. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  // Migration numbers are reserved per change and land in any order (0005 can
  // be applied before 0003 exists): a missing earlier one is applied late.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
