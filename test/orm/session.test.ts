/**
 * The Session, the ORM's only way to run SQL: what it captures and counts,
 * its row budget, statements sent together, read-write transactions with
 * savepoints, and (PostgreSQL) the read-only snapshot.
 */
import { sql } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { Article, Author, Tag } from '../../src/models/index.js';
import { cutShort } from '../../src/db/pg-pipeline.js';
import { Prefetch, RowBudgetExceeded, Session, TransactionFailed } from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';

t.test('a session', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const fx = await seedFixtures(database.db);
    const tagNames = async () => (await Tag.objects.using(new Session(database)).orderBy('id')).map((tag) => tag.name);

    await t.test('captures every data statement it runs, and only its own', async (t) => {
      const session = new Session(database);
      const other = new Session(database);
      const articles = await Article.objects.using(session).selectRelated('author').prefetchRelated('tags', 'comments');
      t.equal(articles.length, fx.articles.length);
      t.equal(await Author.objects.using(session).count(), fx.authors.length);
      t.equal(await Author.objects.using(session).filter({ id: -1 }).exists(), false);
      await Article.objects.using(other).prefetchRelated('tags');
      t.same(session.queries.map((q) => q.sql.split(' ')[0]), ['select', 'select', 'select', 'select', 'select']);
      t.match(session.queries[3].sql, /count\(\*\)/, 'count() is captured');
      t.equal(other.count, 2, 'another session counts its own');
      t.ok(session.durationMs > 0, 'it measured its waits');
    });

    await t.test('captures a statement that fails', async (t) => {
      const session = new Session(database);
      await t.rejects(Article.objects.using(session).filter({ id: 'not a number' as any }).fetch());
      t.equal(session.count, 1);
    });

    await t.test('statements sent together count once each and share one wait', async (t) => {
      const session = new Session(database);
      const results = await session.executeTogether([sql`select 1 as a`, sql`select 2 as b`, session.db.selectFrom('tags').select('id')]);
      t.same(results.map((r) => r.rows[0]), [{ a: 1 }, { b: 2 }, { id: fx.tags[0].id }]);
      t.equal(session.count, 3);
      t.equal(session.queries[0].durationMs, session.queries[2].durationMs, 'one wait for all three');
      t.equal(session.durationMs, session.queries[0].durationMs, 'the wall time counts the shared wait once, not three times');
      const [one, two] = await Promise.all([session.execute(sql`select pg_sleep(0.05)`), session.execute(sql`select pg_sleep(0.05)`)]);
      t.ok(one && two);
      const [, , , a, b] = session.queries;
      t.ok(session.durationMs < session.queries[0].durationMs + a.durationMs + b.durationMs, 'overlapping waits count once');
    });

    await t.test('runs Kysely builders and raw SQL, writes included, and reports affected rows', async (t) => {
      const session = new Session(database);
      const inserted = await session.execute(session.db.insertInto('tags').values({ name: 'session-write', active: true }).returning('id'));
      const id = inserted.rows[0].id as number;
      const updated = await session.execute(session.db.updateTable('tags').set({ active: false }).where('id', '=', id));
      t.equal(updated.numAffectedRows, 1n);
      const deleted = await session.execute(sql`delete from tags where id = ${id}`);
      t.equal(deleted.numAffectedRows, 1n);
      t.equal(session.count, 3, 'writes are counted like reads');
    });

    await t.test('charges its row budget, prefetches included, and names the lookup over it', async (t) => {
      const session = new Session(database, { rowBudget: fx.articles.length + 1 });
      const error = await Article.objects.using(session).prefetchRelated(new Prefetch('comments')).fetch().catch((e: unknown) => e);
      t.type(error, RowBudgetExceeded);
      t.equal((error as RowBudgetExceeded).lookup, 'comments');
      t.ok(session.budget!.used > session.budget!.limit, `the budget saw the rows (${session.budget!.used} of ${session.budget!.limit})`);
      const unbudgeted = await Article.objects.using(new Session(database)).prefetchRelated('comments');
      t.equal(unbudgeted.length, fx.articles.length, 'another session has no budget');
    });

    await t.test('the statement that goes over the row budget delivers only what the budget had left, plus one (PostgreSQL)', { skip: database.label !== 'postgres' }, async (t) => {
      const left = 2;
      t.ok(fx.comments.length > left + 1, 'more comments than the budget has left');
      for (const snapshot of [false, true]) {
        const session = new Session(database, { rowBudget: fx.articles.length + left, snapshot });
        const before = { ...cutShort };
        const error = await Article.objects.using(session).prefetchRelated('comments').fetch().catch((e: unknown) => e);
        t.type(error, RowBudgetExceeded, `snapshot ${snapshot}: refused`);
        t.equal((error as RowBudgetExceeded).lookup, 'comments', 'naming the lookup over it');
        t.same({ statements: cutShort.statements - before.statements, rows: cutShort.rows - before.rows }, { statements: 1, rows: left + 1 }, 'the server stopped at the rows left plus one');
        t.equal(session.budget!.used, fx.articles.length + left + 1, 'and the budget was charged that many');
        // The connection goes on after the cut-short statement (in the snapshot: the same one).
        t.same((await session.execute(sql`select count(*)::int as n from tags`)).rows, [{ n: fx.tags.length }]);
        await session.close();
      }
    });

    await t.test('transaction(fn) commits, or rolls back when fn throws', async (t) => {
      const session = new Session(database);
      await session.transaction(async (tx) => {
        t.equal(tx, session, 'the transaction runs on the session');
        t.ok(tx.inTransaction);
        await tx.execute(tx.db.insertInto('tags').values({ name: 'committed', active: true }));
      });
      t.notOk(session.inTransaction);
      await t.rejects(
        session.transaction(async (tx) => {
          await tx.execute(tx.db.insertInto('tags').values({ name: 'rolled-back', active: true }));
          throw new Error('boom');
        }),
        { message: 'boom' },
      );
      const names = await tagNames();
      t.ok(names.includes('committed'));
      t.notOk(names.includes('rolled-back'));
      t.same(session.queries.map((q) => q.sql.split(' ')[0]), ['insert', 'insert'], 'BEGIN / COMMIT / ROLLBACK are not counted');
    });

    await t.test('a nested transaction is a savepoint: its failure undoes it alone', async (t) => {
      const session = new Session(database);
      await session.transaction(async (tx) => {
        await tx.execute(tx.db.insertInto('tags').values({ name: 'outer', active: true }));
        await tx
          .transaction(async (inner) => {
            await inner.execute(inner.db.insertInto('tags').values({ name: 'inner', active: true }));
            await inner.execute(sql`select 1 / 0`);
          })
          .catch(() => undefined);
        await tx.transaction(async (inner) => {
          await inner.execute(inner.db.insertInto('tags').values({ name: 'inner-kept', active: true }));
        });
      });
      const names = await tagNames();
      t.ok(names.includes('outer'));
      t.notOk(names.includes('inner'), 'the failed savepoint rolled back');
      t.ok(names.includes('inner-kept'));
    });

    await t.test('a transaction whose statement failed does not commit, even if fn swallowed the error', async (t) => {
      const session = new Session(database);
      const error = await session
        .transaction(async (tx) => {
          await tx.execute(tx.db.insertInto('tags').values({ name: 'doomed', active: true }));
          await tx.execute(sql`select 1 / 0`).catch(() => undefined);
        })
        .catch((e: unknown) => e);
      t.type(error, TransactionFailed);
      t.notOk((await tagNames()).includes('doomed'));
    });

    await t.test('the ORM reads inside the transaction see its writes', async (t) => {
      const session = new Session(database);
      await session
        .transaction(async (tx) => {
          await tx.execute(tx.db.insertInto('tags').values({ name: 'visible-inside', active: true }));
          const found = await Tag.objects.using(tx).filter({ name: 'visible-inside' });
          t.equal(found.length, 1);
          throw new Error('undo');
        })
        .catch(() => undefined);
      t.notOk((await tagNames()).includes('visible-inside'));
    });

    await t.test('close() is idempotent and the session stays usable', async (t) => {
      const session = new Session(database, { snapshot: true });
      t.equal((await Tag.objects.using(session)).length > 0, true);
      await session.close();
      await session.close();
      t.equal((await Tag.objects.using(session).count()) > 0, true);
      await session.close();
    });

    if (database.kind === 'postgres') {
      await t.test('a snapshot session reads one snapshot while others commit, and keeps one connection', async (t) => {
        const writer = new pg.Client({ connectionString: database.url });
        await writer.connect();
        t.teardown(() => writer.end());
        await Session.run(database, { snapshot: true, statementTimeoutMs: 1234 }, async (session) => {
          const count = async () => Number((await session.execute(sql<{ n: number }>`select count(*) as n from tags`)).rows[0].n);
          const before = await count();
          await writer.query("insert into tags (name, active) values ('committed-meanwhile', true)");
          t.equal(await count(), before, 'the second query does not see the row committed after the first');
          const { rows } = await session.execute(sql`select current_setting('transaction_isolation') as isolation,
            current_setting('transaction_read_only') as read_only, current_setting('statement_timeout') as timeout`);
          t.same(rows, [{ isolation: 'repeatable read', read_only: 'on', timeout: '1234ms' }]);
          t.equal(session.count, 3, 'BEGIN and SET LOCAL are not counted');
        });
        t.ok((await tagNames()).includes('committed-meanwhile'), 'outside the snapshot the row is there');
      });

      await t.test('a transaction on a snapshot session ends the snapshot first and writes read-write', async (t) => {
        await Session.run(database, { snapshot: true }, async (session) => {
          await Tag.objects.using(session).count();
          await session.transaction(async (tx) => {
            await tx.execute(tx.db.insertInto('tags').values({ name: 'after-snapshot', active: true }));
          });
          const { rows } = await session.execute(sql`select current_setting('transaction_read_only') as read_only`);
          t.same(rows, [{ read_only: 'on' }], 'later reads open a new snapshot');
        });
        t.ok((await tagNames()).includes('after-snapshot'));
      });
    }
  });
});
