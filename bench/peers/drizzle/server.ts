/** `drizzle`: the peer ORM, Drizzle relational queries over node-postgres (started by bench/run.ts). */
import { drizzle } from 'drizzle-orm/node-postgres';
import { benchDatabaseUrl, buildBenchServer, listenBenchServer } from '../../lib/bench-server.js';
import { createBenchPool } from '../../lib/pool.js';
import { drizzleLoaders } from './loaders.js';
import * as schema from './schema.js';

const pool = createBenchPool(benchDatabaseUrl());
const db = drizzle({ client: pool, schema });
await listenBenchServer(buildBenchServer({ name: 'drizzle', loaders: drizzleLoaders(db), close: () => pool.end() }));
