/**
 * PGlite in a worker thread (src/db/pglite-thread.ts), as `npm start` runs
 * it, against the in-thread PGlite the other tests use, on the same migrated
 * template: the same rows come back (types included, and a result large
 * enough to cross in several messages), the same errors with their SQLSTATE
 * and details, transactions commit, roll back and hold PGlite's exclusive
 * lock, a dump reopens, and the API answers the same bodies. PGlite only
 * (the template dump the other tests start from is made in-thread).
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { openPGlite, type TestDatabase } from '../helpers/databases.js';
import { insertBlog } from '../app/blog.fixture.js';
import { send, sendAsAdmin } from '../helpers/writes.js';
import { createDatabase } from '../../src/db/database.js';

const inThread = await openPGlite();
const threaded = await openPGlite({ thread: true });
for (const database of [inThread, threaded]) await insertBlog(database.db);
// One app per database, asked as an admin.
const apps = new Map<TestDatabase, FastifyInstance>();
for (const database of [inThread, threaded]) {
  const app = await buildApp({ database });
  await sendAsAdmin(app, database.db);
  apps.set(database, app);
}
t.teardown(async () => {
  for (const app of apps.values()) await app.close();
  await inThread.close();
  await threaded.close();
});

const TYPED = `select 9007199254740991::int8 as big, 12.50::numeric as price, now() as at, '2025-01-02'::date as day,
  null::text as nothing, array[1, null, 3]::int[] as ints, '{"a": [1, {"b": null}], "c": "é"}'::jsonb as doc,
  true as yes, '\\x00ff'::bytea as raw, $1::text as param, $2::timestamptz as stamp`;
const PARAMS = ["it's", new Date('2025-06-01T12:34:56.789Z')];

/** Runs `body` on both and hands back both outcomes. */
async function both<T>(body: (database: TestDatabase) => Promise<T>): Promise<[T, T]> {
  return [await body(inThread), await body(threaded)];
}

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    const { code, message, detail, table, column, constraint, severity } = error as Record<string, unknown>;
    return { code, message, detail, table, column, constraint, severity };
  }
  throw new Error('expected the statement to fail');
}

t.test('the same values cross the thread', async (t) => {
  const [here, there] = await both(async ({ pglite }) => (await pglite!.query<Record<string, unknown>>(TYPED, PARAMS, { rowMode: 'object' })).rows[0]);
  // now() differs between the two databases: compare its type, then the rest exactly.
  t.type(there.at, Date);
  t.same({ ...there, at: 0 }, { ...here, at: 0 });
  t.equal(there.big, 9007199254740991, 'int8 is a number, as in-thread');
  t.type(there.raw, Uint8Array);
  t.same((there.stamp as Date).toISOString(), '2025-06-01T12:34:56.789Z');
  t.same(there.doc, { a: [1, { b: null }], c: 'é' });
});

t.test('a result of several messages arrives whole and in order', async (t) => {
  const query = 'select n, repeat($1, n % 7) as text from generate_series(1, 4321) as n order by n';
  const [here, there] = await both(async ({ pglite }) => (await pglite!.query(query, ['x'], { rowMode: 'object' })).rows);
  t.equal(there.length, 4321);
  t.same(there, here);
});

t.test('errors keep their SQLSTATE, message and details', async (t) => {
  const missing = await both(({ pglite }) => failure(pglite!.query('select * from no_such_table')));
  t.equal(missing[1].code, '42P01');
  t.same(missing[1], missing[0]);
  const orphan = await both(({ db }) => failure(sql`insert into comments (article_id, body) values (999999, 'x')`.execute(db)));
  t.equal(orphan[1].code, '23503');
  t.match(orphan[1].detail, /Key \(article_id\)=\(999999\) is not present/);
  t.same(orphan[1], orphan[0]);
  // The error handler maps the database's code to a 422 naming the field (API.md): the same through the worker.
  const api = await both(async (database) => {
    const { status, body } = await send(apps.get(database)!, 'PATCH', '/comments/1', { data: { articleId: 12345 } });
    return { status, body: { ...body, instance: undefined } };
  });
  t.equal(api[1].status, 422);
  t.same(api[1], api[0], 'the API answers the same problem');
});

t.test('the API serves the same bodies', async (t) => {
  const urls = ['/articles?include=author,tags,comments:recent5', '/tags?include=articles.tags&fields[articles]=title', '/authors/1?include=articles.comments'];
  for (const url of urls) {
    const [here, there] = await both(async (database) => {
      const response = await apps.get(database)!.inject(url);
      return { status: response.statusCode, body: response.json() };
    });
    t.equal(there.status, 200, url);
    t.same(there.body, here.body, url);
  }
});

t.test('transactions commit, roll back, and hold the lock', async (t) => {
  const { pglite } = threaded;
  await pglite!.transaction(async (tx) => {
    await tx.query("insert into tags (name) values ('committed')");
  });
  await t.rejects(
    pglite!.transaction(async (tx) => {
      await tx.query("insert into tags (name) values ('thrown')");
      throw new Error('no');
    }),
    { message: 'no' },
  );
  await pglite!.transaction(async (tx) => {
    await tx.query("insert into tags (name) values ('rolled back')");
    await tx.rollback();
  });
  const names = (await pglite!.query<{ name: string }>("select name from tags where name in ('committed', 'thrown', 'rolled back')")).rows;
  t.same(names.map((row) => row.name), ['committed']);

  // A statement outside the transaction waits for it, and sees what it committed.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const writing = pglite!.transaction(async (tx) => {
    await tx.query("insert into tags (name) values ('late')");
    await held;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const reading = pglite!.query<{ n: number }>("select count(*)::int as n from tags where name = 'late'");
  const first = await Promise.race([reading.then(() => 'read'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 100))]);
  t.equal(first, 'waiting', 'the read waits while the transaction is open');
  release();
  await writing;
  t.equal((await reading).rows[0].n, 1);
});

t.test('a dump of the worker database reopens in a worker; closed, it refuses statements', async (t) => {
  const dump = await threaded.pglite!.dumpDataDir('none');
  const count = 'select count(*)::int as n from articles';
  const expected = (await threaded.pglite!.query<{ n: number }>(count)).rows[0].n;
  const reopened = await createDatabase({ loadDataDir: dump, thread: true });
  t.equal((await reopened.pglite!.query<{ n: number }>(count)).rows[0].n, expected);
  await reopened.close();
  t.ok(reopened.pglite!.closed);
  await t.rejects(reopened.pglite!.query('select 1'), { message: /closed/ });
});
