import pg from 'pg';
import { countQueriesOn } from './query-counter.js';

const INT8_OID = 20;

/**
 * The pg pool every bench server uses: same size as the service's default
 * (DB_POOL_MAX 10), int8 parsed as numbers as in src/db/database.ts, and
 * query counting switched on.
 */
export function createBenchPool(url: string, max = Number(process.env.DB_POOL_MAX ?? 10)): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as any)) as any,
    },
  });
  pool.on('error', () => {});
  return countQueriesOn(pool);
}
