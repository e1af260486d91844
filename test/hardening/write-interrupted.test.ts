/**
 * A write cut off half-way leaves the database as it was (API.md §5: the
 * write, its many-to-many changes and the read of the response are one
 * transaction). On PostgreSQL (TEST_DATABASE_URL): a PATCH that has already
 * changed the article's title is made to wait inside its large `tagIds`
 * write (another session holds a lock on one of the tags), and its server
 * connection is then terminated. The client gets a 503, never a 500, and
 * neither the title nor a single link changed. (PGlite runs in the process:
 * a killed process takes its in-memory database with it.)
 */
import pg from 'pg';
import t from 'tap';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { openPostgres } from '../helpers/databases.js';
import { send, sendAsAdmin } from '../helpers/writes.js';

const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl) {
  t.plan(0, 'needs TEST_DATABASE_URL (a PostgreSQL server)');
} else {
  const database = await openPostgres(adminUrl);
  t.teardown(() => database.close());
  const { db } = database;
  await db.insertInto('authors').values({ id: 1, name: 'Ann', email: 'ann@example.com' }).execute();
  await db.insertInto('articles').values({ id: 1, author_id: 1, title: 'before', body: 'b' }).execute();
  await sql`insert into tags (id, name) select g, 'tag ' || g from generate_series(1, 5000) g`.execute(db);
  await sql`insert into article_tags (article_id, tag_id) values (1, 1), (1, 2)`.execute(db);
  const app = await buildApp({ database });
  await sendAsAdmin(app, database.db);
  t.teardown(() => app.close());

  t.test('a PATCH whose connection is cut during its tagIds write changes nothing', async (t) => {
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    t.teardown(() => blocker.end());
    await blocker.query('begin');
    await blocker.query('select id from tags where id = 4999 for update');

    const tagIds = Array.from({ length: 5000 }, (_, i) => i + 1);
    const pending = send(app, 'PATCH', '/articles/1', { data: { title: 'half-way', tagIds } });
    // The write waits for the tag's lock once its UPDATE of the title has run.
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i++) {
      // Any backend of this throwaway database waiting on a lock is the PATCH (only the blocker holds
      // one). Its query text is no guide: with pipelined statements pg_stat_activity showed an earlier
      // statement of that connection (the test's token insert) instead of the link write.
      const { rows } = await blocker.query(
        `select pid from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() and pid <> pg_backend_pid()`,
      );
      pid = rows[0]?.pid;
      if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    t.ok(pid, 'the write is waiting inside its transaction');
    await blocker.query('select pg_terminate_backend($1)', [pid]);
    const response = await pending;
    t.equal(response.status, 503, 'the client is told to retry');
    await blocker.query('rollback');

    const article = await db.selectFrom('articles').select('title').where('id', '=', 1).executeTakeFirstOrThrow();
    t.equal(article.title, 'before', 'the title written before the cut was rolled back');
    const links = await db.selectFrom('article_tags').select('tag_id').where('article_id', '=', 1).orderBy('tag_id').execute();
    t.same(links.map((l) => Number(l.tag_id)), [1, 2], 'no link changed');
    const after = await send(app, 'PATCH', '/articles/1', { data: { title: 'retried', tagIds: [3] } });
    t.equal(after.status, 200, 'the app writes again afterwards');
  });
}
