import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import t from 'tap';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI as `npm run` does (through tsx), with DATABASE_URL set or removed. */
function run(cli: 'migrate' | 'seed', databaseUrl: string | undefined, ...args: string[]): Promise<Outcome> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', `${cli}.ts`), ...args], { env, cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

const STACK_FRAME = /^\s+at /m;

t.test('without DATABASE_URL both commands stop with a clear message', async (t) => {
  for (const cli of ['migrate', 'seed'] as const) {
    const { code, stderr } = await run(cli, undefined);
    t.equal(code, 1, `${cli} exits 1`);
    t.match(stderr, `${cli}: DATABASE_URL is not set`);
    t.notMatch(stderr, STACK_FRAME, 'no stack trace');
  }
});

t.test('an unreachable server is reported without a stack trace', async (t) => {
  const { code, stderr } = await run('migrate', 'postgres://postgres:secret@127.0.0.1:1/loom');
  t.equal(code, 1);
  t.match(stderr, 'cannot reach the database at postgres://postgres:***@127.0.0.1:1/loom');
  t.notMatch(stderr, 'secret', 'the password is not printed');
  t.notMatch(stderr, STACK_FRAME);
});

t.test('bad arguments print the usage', async (t) => {
  const { code, stderr } = await run('seed', 'postgres://postgres@127.0.0.1:1/loom', '--scale', 'lots');
  t.equal(code, 2);
  t.match(stderr, "invalid --scale 'lots'");
  t.match(stderr, 'usage:');
});

const adminUrl = process.env.TEST_DATABASE_URL;
t.test('migrate then seed a fresh PostgreSQL database', { skip: adminUrl ? false : 'TEST_DATABASE_URL is not set' }, async (t) => {
  const name = `loom_cli_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  t.teardown(async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  const url = new URL(adminUrl!);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();

  const unmigrated = await run('seed', databaseUrl, '--scale', '0.005');
  t.equal(unmigrated.code, 1);
  t.match(unmigrated.stderr, 'run `npm run migrate` first');

  const first = await run('migrate', databaseUrl);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, 'applied 0001_initial_schema');
  const second = await run('migrate', databaseUrl);
  t.equal(second.code, 0, second.stderr);
  t.notMatch(second.stdout, 'applied 0001');
  t.match(second.stdout, 'nothing applied');

  const seeded = await run('seed', databaseUrl, '--scale', '0.005');
  t.equal(seeded.code, 0, seeded.stderr);
  t.match(seeded.stdout, 'authors 5, categories 3, tags 10, articles 50');
  t.match(seeded.stderr, 'seed: reactions: 250 rows (100%', 'plain progress lines when stderr is not a terminal');
  const again = await run('seed', databaseUrl, '--scale', '0.005');
  t.equal(again.code, 1);
  t.match(again.stderr, '--reset');
  const reset = await run('seed', databaseUrl, '--scale', '0.005', '--reset');
  t.equal(reset.code, 0, reset.stderr);
});
