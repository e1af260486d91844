import type { Migration, MigrationProvider } from 'kysely/migration';
import * as initialSchema from './0001_initial_schema.js';
import * as millisecondTimestamps from './0002_millisecond_timestamps.js';
import * as orderingIndexes from './0003_ordering_indexes.js';
import * as idempotencyKeys from './0004_idempotency_keys.js';
import * as apiTokens from './0005_api_tokens.js';
import * as countIndexes from './0006_count_indexes.js';

/**
 * Migrations are listed statically rather than read from the folder, so the
 * same provider works under tsx and in the compiled `dist/` of the image.
 */
const migrations: Record<string, Migration> = {
  '0001_initial_schema': initialSchema,
  '0002_millisecond_timestamps': millisecondTimestamps,
  '0003_ordering_indexes': orderingIndexes,
  '0004_idempotency_keys': idempotencyKeys,
  '0005_api_tokens': apiTokens,
  '0006_count_indexes': countIndexes,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
