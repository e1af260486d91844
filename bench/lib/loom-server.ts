/**
 * Stand-in for `npm start` while src/server.ts does not exist yet: the same
 * `buildApp` on the same pool size, listening on PORT, without logging.
 * bench/run.ts uses src/server.ts whenever it exists.
 */
import { buildApp } from '../../src/app.js';
import { createDatabase } from '../../src/db/database.js';

const database = await createDatabase({ url: process.env.DATABASE_URL, poolMax: Number(process.env.DB_POOL_MAX ?? 10) });
const app = await buildApp({ database, ownsDatabase: true });
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
