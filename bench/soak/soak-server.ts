import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareBenchDatabase } from '../lib/bench-database.js';
import { startChildServer, type ChildServer } from '../lib/child-server.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The endpoint the load and soak runs drive: every include kind of an article page. */
export const SOAK_PATH = '/articles?include=author,category,tags,comments:recent5';

/**
 * Starts src/server.ts as its own process on the benchmark database
 * (`loom_bench` on the local server, or DATABASE_URL; demo data at `scale`,
 * seeded once), as production would run it. `entry` runs another build of
 * the server instead (e.g. a patched copy, to compare).
 */
export async function startSoakServer(scale: number, log: (line: string) => void, entry = join(ROOT, 'src', 'server.ts')): Promise<ChildServer> {
  const url = await prepareBenchDatabase(scale, log);
  return startChildServer({
    name: 'loom',
    entry,
    cwd: ROOT,
    env: { DATABASE_URL: url, LOG_LEVEL: 'warn', DB_POOL_MAX: process.env.DB_POOL_MAX ?? '10' },
    readyPath: '/health/ready',
  });
}
