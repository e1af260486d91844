import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type ConnectionSource, type PGliteHandle, pgConnections, pgliteConnection } from './connection.js';
import { PGliteThread } from './pglite-thread.js';
import { PipeliningClient, type PipeliningClientConfig } from './pipelining-client.js';
import { parseTimestamptz, TIMESTAMPTZ_OID } from './timestamp-parser.js';

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseOptions {
  /** PostgreSQL connection string; without it the embedded PGlite is used. */
  url?: string;
  /** PGlite data directory (default: in memory). Ignored with `url`. */
  dataDir?: string;
  /** PGlite: start from a data directory dump (a tarball from `dumpDataDir`). */
  loadDataDir?: Blob;
  /**
   * PGlite: run it in a worker thread (pglite-thread.ts), so no statement
   * blocks the event loop. `npm start` does; in-thread costs no worker start
   * and no copy of rows between threads.
   */
  thread?: boolean;
  /** pg pool size. */
  poolMax?: number;
  /** How long a request waits for a pooled connection before failing (ms). */
  connectionTimeoutMs?: number;
  /**
   * Send the ORM's SELECTs as named prepared statements, parsed once per
   * connection (default true; false behind a pooler that cannot keep them:
   * src/db/prepared-statements.ts).
   */
  preparedStatements?: boolean;
  /** Extra pg Pool options (e.g. statement_timeout). */
  pool?: pg.PoolConfig;
}

export interface Database {
  /** Builds and compiles queries; migrations and scripts run on it. The ORM runs SQL through a Session. */
  db: Kysely<any>;
  /** A connection for a session (src/orm/session.ts): one of the pool's, or the PGlite handle. */
  connect: ConnectionSource;
  kind: DatabaseKind;
  /** The pg pool (postgres only), for health checks and metrics. */
  pool?: pg.Pool;
  /** The PGlite instance, in this thread or in a worker (pglite only). */
  pglite?: PGliteHandle;
  close(): Promise<void>;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * pg hands int8 (bigserial ids, count(*)) back as strings and PGlite as
 * numbers; both become JavaScript numbers here, the one place that decides.
 * Ids stay below 2^53 in any realistic table.
 */
function pgTypes(): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
      if (oid === TIMESTAMPTZ_OID && format !== 'binary') return parseTimestamptz;
      return pg.types.getTypeParser(oid, format as any);
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

export async function createDatabase(options: DatabaseOptions = {}): Promise<Database> {
  if (options.url) {
    const config: pg.PoolConfig & PipeliningClientConfig = {
      connectionString: options.url,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      types: pgTypes(),
      // Sends a session's BEGIN with its first query and a level's reads together (see pipelining-client.ts).
      Client: PipeliningClient,
      loomPreparedStatements: options.preparedStatements ?? true,
      ...options.pool,
    };
    const pool = new pg.Pool(config);
    // Opening statements no query followed are dropped; a held-back COMMIT waits (briefly) for the next user.
    pool.on('release', (_error, client) => (client as unknown as PipeliningClient).released?.());
    // An idle client losing its server (restart, failover) must not crash the process.
    pool.on('error', () => {});
    // Nor may a checked-out one: pg-pool listens for a client's errors only while it
    // is idle, and a server that goes away between two queries of a request makes the
    // client emit 'error' with no listener. The request's next query then fails as
    // "not queryable" (unreachable), and the pool discards the client on release.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    return { db, connect: pgConnections(pool), kind: 'postgres', pool, close: () => db.destroy() };
  }
  const pglite = await openPGlite(options);
  const db = new Kysely<any>({ dialect: new PGliteDialect({ pglite }) });
  const close = async () => {
    await db.destroy();
    // Kysely opens its driver lazily: closed before any query, it never closes
    // the PGlite it was given, and that keeps the process alive.
    if (!pglite.closed) await pglite.close();
  };
  return { db, connect: pgliteConnection(pglite), kind: 'pglite', pglite, close };
}

async function openPGlite(options: DatabaseOptions): Promise<PGliteHandle> {
  if (options.thread) {
    const loadDataDir = options.loadDataDir ? new Uint8Array(await options.loadDataDir.arrayBuffer()) : undefined;
    return PGliteThread.create({ dataDir: options.dataDir, loadDataDir });
  }
  const { PGlite } = await import('@electric-sql/pglite');
  // The worker (pglite-thread-worker.ts) opens its PGlite with the same parsers.
  return PGlite.create({
    dataDir: options.dataDir,
    loadDataDir: options.loadDataDir,
    parsers: { [INT8_OID]: (value: string) => Number(value) },
  });
}
