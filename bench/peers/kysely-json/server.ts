/** `kysely-json`: Kysely with its PostgreSQL JSON helpers, one statement per request (started by bench/run.ts). */
import { Kysely, PostgresDialect } from 'kysely';
import { benchDatabaseUrl, buildBenchServer, listenBenchServer } from '../../lib/bench-server.js';
import { createBenchPool } from '../../lib/pool.js';
import { kyselyJsonLoaders } from './loaders.js';

const pool = createBenchPool(benchDatabaseUrl());
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
await listenBenchServer(buildBenchServer({ name: 'kysely-json', loaders: kyselyJsonLoaders(db), close: () => db.destroy() }));
