/** `raw`: the strongest hand-written SQL with pg (prepared, array rows, LATERAL top-k), stitched by hand (started by bench/run.ts). */
import { benchDatabaseUrl, buildBenchServer, listenBenchServer } from '../lib/bench-server.js';
import { createBenchPool } from '../lib/pool.js';
import { rawLoaders } from './loaders.js';

const pool = createBenchPool(benchDatabaseUrl());
await listenBenchServer(buildBenchServer({ name: 'raw', loaders: rawLoaders(pool), close: () => pool.end() }));
