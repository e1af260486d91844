/** `naive`: loom's ORM without select_related / prefetch_related (started by bench/run.ts). */
import { createDatabase } from '../../src/db/database.js';
import { benchDatabaseUrl, buildBenchServer, listenBenchServer } from '../lib/bench-server.js';
import { countQueriesOn } from '../lib/query-counter.js';
import { naiveLoaders } from './loaders.js';

const database = await createDatabase({ url: benchDatabaseUrl(), poolMax: Number(process.env.DB_POOL_MAX ?? 10) });
countQueriesOn(database.pool!);
await listenBenchServer(buildBenchServer({ name: 'naive', loaders: naiveLoaders(database), close: () => database.close() }));
