/** `raw-window`: the first hand-written baseline (ROW_NUMBER() windows, unprepared statements), kept for comparison with `raw`. */
import { benchDatabaseUrl, buildBenchServer, listenBenchServer } from '../lib/bench-server.js';
import { createBenchPool } from '../lib/pool.js';
import { rawLoaders } from './loaders.js';

const pool = createBenchPool(benchDatabaseUrl());
await listenBenchServer(buildBenchServer({ name: 'raw-window', loaders: rawLoaders(pool), close: () => pool.end() }));
