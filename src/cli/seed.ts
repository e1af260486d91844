import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrationProvider } from '../../migrations/index.js';
import { createProgressReporter, MAX_SCALE, seedDemoData } from '../seed/index.js';
import { CommandError, errorMessage, redactUrl, runDatabaseCommand } from '../seed/run-database-command.js';

/**
 * `npm run seed -- --scale N [--reset] [--seed S]`: loads the deterministic
 * demo data set into DATABASE_URL, with a progress bar on a terminal.
 */
const USAGE = `usage: DATABASE_URL=postgres://... npm run seed -- [--scale N] [--reset] [--seed S] [--skew]
  --scale N   size of the data set, above 0 and at most ${MAX_SCALE} (default 1:
              1,000 authors, 10,000 articles, 100,000 comments, 50,000 reactions)
  --reset     empty the tables first when they already hold data
  --seed S    another integer gives another data set of the same shape
  --skew      add hot spots: author 1 with 50,000 articles, article 1 with 20,000
              comments, tag 1 on 30,000 articles (at most half of each table)`;

function numberOption(name: string, text: string | undefined, isValid: (n: number) => boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !isValid(value)) throw new Error(`invalid --${name} '${text}'`);
  return value;
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string' },
      seed: { type: 'string' },
      reset: { type: 'boolean', default: false },
      skew: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  return {
    help: values.help,
    reset: values.reset,
    skew: values.skew,
    scale: numberOption('scale', values.scale, (n) => Number.isFinite(n) && n > 0 && n <= MAX_SCALE) ?? 1,
    seed: numberOption('seed', values.seed, (n) => Number.isSafeInteger(n)),
  };
}

/** Seeding needs the schema: say how to get it rather than fail on a missing table. */
async function requireMigratedSchema(db: Kysely<any>): Promise<void> {
  const pending = (await new Migrator({ db, provider: migrationProvider }).getMigrations()).filter((m) => !m.executedAt);
  if (pending.length > 0) {
    throw new CommandError(`the schema is not up to date (pending: ${pending.map((m) => m.name).join(', ')}); run \`npm run migrate\` first`);
  }
}

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions();
} catch (error) {
  process.stderr.write(`seed: ${errorMessage(error)}\n${USAGE}\n`);
  process.exit(2);
}

if (options.help) {
  process.stdout.write(`${USAGE}\n`);
} else {
  await runDatabaseCommand('seed', async (db, url) => {
    await requireMigratedSchema(db);
    const progress = createProgressReporter(process.stderr);
    try {
      const { rows, durationMs } = await seedDemoData(db, {
        scale: options.scale,
        reset: options.reset,
        seed: options.seed,
        skew: options.skew,
        onProgress: progress.update,
      });
      progress.finish();
      const counts = Object.entries(rows).map(([table, count]) => `${table} ${count.toLocaleString('en-US')}`);
      process.stdout.write(`seeded ${redactUrl(url)} at scale ${options.scale}${options.skew ? ' (skewed)' : ''} in ${(durationMs / 1000).toFixed(1)} s: ${counts.join(', ')}\n`);
    } catch (error) {
      progress.finish();
      throw error;
    }
  });
}
