/**
 * `npm start`: configuration from the environment, a database (PostgreSQL
 * with DATABASE_URL; otherwise an embedded PGlite, migrated and filled with
 * demo data), then the app listens. SIGTERM / SIGINT close it gracefully.
 */
import type { Kysely } from 'kysely';
import { buildApp } from './app.js';
import { issueToken } from './auth/tokens.js';
import { loadConfigOrExit } from './config.js';
import { createDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { hasDemoData, seedDemoData } from './seed/index.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const pool = { poolMax: config.poolMax, connectionTimeoutMs: config.poolTimeoutMs, preparedStatements: config.preparedStatements };
  // Writes and token checks go to DATABASE_URL; reads to DATABASE_READ_URL while
  // that replica is reachable and current (API.md §9).
  // PGlite runs in a worker thread: its statements never hold the event loop (liveness, docs/HARDENING.md).
  const database = await createDatabase({ url: config.databaseUrl, dataDir: config.pgliteDataDir, thread: true, ...pool });
  const readReplica = config.databaseReadUrl ? await createDatabase({ url: config.databaseReadUrl, ...pool }) : undefined;
  const app = await buildApp({
    database,
    readReplica,
    readReplicaMaxLagMs: config.readReplicaMaxLagMs,
    ownsDatabase: true,
    statementTimeoutMs: config.statementTimeoutMs,
    rowBudget: config.rowBudget,
    responseLimits: { maxObjects: config.responseMaxObjects, maxBytes: config.responseMaxBytes },
    explainEnabled: config.explainEnabled,
    bodyLimitBytes: config.bodyLimitBytes,
    corsOrigin: config.corsOrigin,
    rateLimitPerMinute: config.rateLimitPerMinute,
    logger: { level: config.logLevel },
  });
  const log = app.log;
  const planned = `http://${config.host}:${config.port}`;
  log.info(`loom starting: API at ${planned}, docs at ${planned}/docs`);

  let demoTokens: string | undefined;
  if (database.kind === 'pglite') {
    log.info(`database: embedded PGlite (${config.pgliteDataDir ?? 'in memory'})`);
    await migrateToLatest(database.db);
    if (await hasDemoData(database.db)) {
      log.info('demo data already present');
    } else {
      log.info(`loading demo data at scale ${config.demoScale}…`);
      const summary = await seedDemoData(database.db, { scale: config.demoScale });
      log.info({ rows: summary.rows }, `demo data loaded in ${Math.round(summary.durationMs)} ms`);
    }
    demoTokens = await issueDemoTokens(database.db);
  } else {
    // A real server is migrated by `npm run migrate` and seeded on purpose only.
    log.info(`database: PostgreSQL (DATABASE_URL${readReplica ? `; reads on DATABASE_READ_URL, max lag ${config.readReplicaMaxLagMs} ms` : ''})`);
  }

  const address = await app.listen({ port: config.port, host: config.host });
  log.info(`API at ${address}  (try ${address}/articles?include=author,tags,comments:recent5)`);
  log.info(`docs at ${address}/docs  (OpenAPI document at ${address}/docs/json)`);
  // The embedded demo only: tokens to try writes in /docs at once. Printed, not logged (tokens never go to the log).
  if (demoTokens) process.stdout.write(demoTokens);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info(`${signal}: draining for ${config.shutdownGraceMs} ms (readiness 503), then closing`);
    // A hung connection must not keep the process alive forever.
    const force = setTimeout(() => {
      log.error('connections still open 10 s after the listener closed: exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 10_000);
    force.unref();
    app.drain(config.shutdownGraceMs).then(
      () => {
        log.info('closed: exiting');
        process.exit(0);
      },
      (error) => {
        log.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // One line, no stack: a start-up failure is an operator's problem to read.
  console.error(`loom: could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

/** An admin token and the first author's, as lines to print (a fresh pair at every start). */
async function issueDemoTokens(db: Kysely<any>): Promise<string> {
  const admin = await issueToken(db, null);
  const first = await db.selectFrom('authors').select('id').orderBy('id').limit(1).executeTakeFirst();
  const author = first ? await issueToken(db, Number(first.id)) : undefined;
  const lines = ['demo tokens (embedded database only; send as Authorization: Bearer <token>, or use Authorize in /docs):', `  admin:     ${admin.token}`];
  if (author && first) lines.push(`  author ${first.id}:  ${author.token}`);
  return `${lines.join('\n')}\n`;
}
