/**
 * A capture and a row budget bound to a database handle (what the REST
 * service uses per request instead of AsyncLocalStorage): every ORM statement
 * on that handle is recorded and charged, side-by-side prefetches, count() and
 * exists() included; other handles on the same database are not affected.
 */
import t from 'tap';
import { Article, Author } from '../../src/models/index.js';
import { bindDatabaseScope, captureQueries, Prefetch, QueryCapture, RowBudget, RowBudgetExceeded } from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';

t.test('a scope bound to a handle', async (t) => {
  await eachDatabase(t, async (t, { db }) => {
    const fx = await seedFixtures(db);

    await t.test('records the statements run on the handle, and only those', async (t) => {
      const handle = db.withoutPlugins();
      const capture = new QueryCapture();
      bindDatabaseScope(handle, { capture });
      const articles = await Article.objects.using(handle).selectRelated('author').prefetchRelated('tags', 'comments');
      t.equal(articles.length, fx.articles.length);
      t.equal(await Author.objects.using(handle).count(), fx.authors.length);
      t.equal(await Author.objects.using(handle).filter({ id: -1 }).exists(), false);
      t.same(capture.queries.map((q) => q.sql.split(' ')[0]), ['select', 'select', 'select', 'select', 'select']);
      t.match(capture.queries[3].sql, /count\(\*\)/, 'count() is recorded');
      t.ok(capture.durationMs > 0, 'durations add up');
      await Article.objects.using(db).prefetchRelated('tags');
      t.equal(capture.count, 5, 'the shared handle is not counted');
      const outer = await captureQueries(() => Author.objects.using(handle).fetch());
      t.equal(outer.capture.count, 1, 'an AsyncLocalStorage capture sees the statement too');
      t.equal(capture.count, 6);
    });

    await t.test('records a statement that fails', async (t) => {
      const handle = db.withoutPlugins();
      const capture = new QueryCapture();
      bindDatabaseScope(handle, { capture });
      await t.rejects(Article.objects.using(handle).filter({ id: 'not a number' as any }).fetch());
      t.equal(capture.count, 1);
    });

    await t.test('charges the bound budget, prefetches included, and names the lookup over it', async (t) => {
      const handle = db.withoutPlugins();
      const budget = new RowBudget(fx.articles.length + 1);
      bindDatabaseScope(handle, { budget });
      const error = await Article.objects.using(handle).prefetchRelated(new Prefetch('comments')).fetch().catch((e: unknown) => e);
      t.type(error, RowBudgetExceeded);
      t.equal((error as RowBudgetExceeded).lookup, 'comments');
      t.ok(budget.used > budget.limit, `the budget saw the rows (${budget.used} of ${budget.limit})`);
      const unbound = await Article.objects.using(db).prefetchRelated('comments');
      t.equal(unbound.length, fx.articles.length, 'another handle has no budget');
    });
  });
});
