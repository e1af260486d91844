import { parseArgs } from 'node:util';
import { migrateToLatest } from '../db/migrate.js';
import { errorMessage, redactUrl, runDatabaseCommand } from '../seed/run-database-command.js';

/**
 * `npm run migrate`: applies every pending migration to DATABASE_URL and
 * prints each one it applied; on an up-to-date database it changes nothing.
 */
const USAGE = 'usage: DATABASE_URL=postgres://... npm run migrate';

try {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
  } else {
    await runDatabaseCommand('migrate', async (db, url) => {
      const { results = [] } = await migrateToLatest(db);
      for (const result of results) process.stdout.write(`applied ${result.migrationName}\n`);
      const summary = results.length === 0 ? 'already up to date, nothing applied' : `${results.length} migration(s) applied`;
      process.stdout.write(`${redactUrl(url)}: ${summary}\n`);
    });
  }
} catch (error) {
  // Only argument errors reach here: runDatabaseCommand reports its own.
  process.stderr.write(`migrate: ${errorMessage(error)}\n${USAGE}\n`);
  process.exitCode = 2;
}
