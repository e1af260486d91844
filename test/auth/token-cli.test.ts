/**
 * `npm run --silent token`: prints a new token alone on stdout, revokes by id,
 * and refuses bad arguments without a stack trace. The commands need
 * DATABASE_URL, so this runs on the PostgreSQL server only (TEST_DATABASE_URL).
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { lookUpToken } from '../../src/auth/tokens.js';
import { openPostgres } from '../helpers/databases.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function token(databaseUrl: string | undefined, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'token.ts'), ...args], { env, cwd: root }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

t.test('bad arguments: exit 2 with the usage', async (t) => {
  for (const args of [[], ['--admin', '--author', '1'], ['--author', 'x'], ['--revoke', '-3'], ['--bogus']]) {
    const { code, stderr, stdout } = await token('postgres://postgres@127.0.0.1:1/none', ...args);
    t.equal(code, 2, args.join(' ') || '(none)');
    t.match(stderr, 'usage:');
    t.equal(stdout, '');
    t.notMatch(stderr, /^\s+at /m);
  }
});

t.test('without DATABASE_URL: exit 1', async (t) => {
  const { code, stderr } = await token(undefined, '--admin');
  t.equal(code, 1);
  t.match(stderr, 'token: DATABASE_URL is not set');
});

t.test('issue and revoke on PostgreSQL', { skip: !process.env.TEST_DATABASE_URL && 'TEST_DATABASE_URL not set' }, async (t) => {
  const database = await openPostgres(process.env.TEST_DATABASE_URL!);
  t.teardown(() => database.close());
  await database.db.insertInto('authors').values({ id: 7, name: 'Ann', email: 'ann@example.com' }).execute();

  const admin = await token(database.url, '--admin');
  t.equal(admin.code, 0, admin.stderr);
  t.match(admin.stdout, /^loom_\d+_[A-Za-z0-9_-]{43}\n$/, 'the token alone on stdout');
  t.match(await lookUpToken(database.db, admin.stdout.trim()), { kind: 'admin' });

  const author = await token(database.url, '--author', '7');
  t.equal(author.code, 0, author.stderr);
  const issued = author.stdout.trim();
  t.match(await lookUpToken(database.db, issued), { kind: 'author', authorId: 7 });

  const missing = await token(database.url, '--author', '8');
  t.equal(missing.code, 1);
  t.match(missing.stderr, 'no author with id 8');
  t.equal(missing.stdout, '');

  const id = issued.split('_')[1];
  const revoked = await token(database.url, '--revoke', id);
  t.equal(revoked.code, 0, revoked.stderr);
  t.equal(revoked.stdout, '', 'nothing on stdout');
  t.equal(await lookUpToken(database.db, issued), undefined);
  const again = await token(database.url, '--revoke', id);
  t.equal(again.code, 1);
  t.match(again.stderr, `no active token with id ${id}`);
});
