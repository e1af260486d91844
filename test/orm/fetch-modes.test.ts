/**
 * What touching an unloaded relation does (Django 6.1's fetch modes), the
 * per-request row budget, nested query captures, and that results are typed.
 */
import t from 'tap';
import { Article, Author, Tag, type ArticleInstance } from '../../src/models/index.js';
import {
  captureQueries,
  isLoaded,
  load,
  loaded,
  Prefetch,
  RelationNotLoaded,
  RowBudgetExceeded,
  Session,
} from '../../src/orm/index.js';
import { assertNumQueries } from '../../src/orm/testing.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';

t.test('fetch modes, row budget and query capture', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);
    const articlesOf = (authorId: number) => fx.articles.filter((a) => a.authorId === authorId).map((a) => a.id).sort((a, b) => a - b);

    await t.test("'raise' (strict): an unloaded relation throws and names what to add", async (t) => {
      const [article] = await Article.objects.using(session).slice(0, 1);
      t.throws(() => article.author, RelationNotLoaded);
      t.throws(() => article.author, /selectRelated\('author'\)/);
      t.throws(() => article.tags.all(), /prefetchRelated\('tags'\)/);
      t.throws(() => loaded(article, 'comments'), RelationNotLoaded);
      await t.rejects(load(article, 'tags'), RelationNotLoaded);
      t.notOk(isLoaded(article, 'tags'));
    });

    await t.test("'one': load() fetches the relation for that instance only", async (t) => {
      const authors = await Author.objects.using(session).fetchMode('one');
      await assertNumQueries(t, session, 1, () => load(authors[0], 'articles'));
      t.ok(isLoaded(authors[0], 'articles'));
      t.notOk(isLoaded(authors[1], 'articles'), 'the peers stay unloaded');
      const ids = (loaded(authors[0], 'articles') as ArticleInstance[]).map((a) => a.id).sort((a, b) => a - b);
      t.same(ids, articlesOf(authors[0].id));
      t.equal((await authors[1].articles.all()).length, articlesOf(authors[1].id).length, "'one' lets all() query lazily");
    });

    await t.test("'peers': the first load() fetches the relation for the whole result in one query", async (t) => {
      const authors = await Author.objects.using(session).fetchMode('peers');
      await assertNumQueries(t, session, 1, () => load(authors[0], 'articles'));
      for (const author of authors) {
        t.ok(isLoaded(author, 'articles'), `${author.name}'s articles loaded by the same query`);
        t.same([...author.articles.all()].map((a) => a.id).sort((a, b) => a - b), articlesOf(author.id));
      }
      await assertNumQueries(t, session, 0, () => load(authors[2], 'articles'), 'a loaded relation costs nothing');
      const articles = await Article.objects.using(session).fetchMode('peers');
      await assertNumQueries(t, session, 1, () => load(articles[0], 'author'), 'a to-one relation loads for the peers too');
      for (const article of articles) t.equal(article.author.id, article.authorId);
    });

    const budget = (limit: number) => new Session(database, { fetchMode: 'raise', rowBudget: limit });

    await t.test('the row budget stops an include explosion at the database and names the lookup', async (t) => {
      const total = fx.articles.length;
      const over = budget(fx.authors.length + total - 1);
      const error = await Author.objects.using(over).prefetchRelated('articles').fetch().catch((e: unknown) => e);
      t.type(error, RowBudgetExceeded);
      t.equal((error as RowBudgetExceeded).lookup, 'articles');
      const small = budget(5);
      await Author.objects.using(small).prefetchRelated('articles').fetch().catch(() => null);
      t.match(small.queries[0].sql, / limit 6$/, 'the main query (no slice) is capped at the budget + 1 rows, compiled in');
      t.match(small.queries[1].sql, / limit 6$/, 'the prefetch query asks for at most the budget + 1 rows, compiled in');
      const fits = await Author.objects.using(budget(fx.authors.length + total)).prefetchRelated('articles');
      t.equal(fits.length, fx.authors.length, 'exactly at the budget succeeds');
      const main = await Article.objects.using(budget(1)).fetch().catch((e: unknown) => e);
      t.type(main, RowBudgetExceeded);
      t.equal((main as RowBudgetExceeded).lookup, undefined, 'the main query has no lookup');
    });

    await t.test('sibling lookups share a round trip but are charged to the budget in lookup order', async (t) => {
      const articles = fx.articles.length;
      const tagRows = fx.articleTags.length;
      const commentRows = fx.comments.length;
      const lookups = (limit: number) => Article.objects.using(budget(limit)).prefetchRelated('tags', 'comments').fetch();
      const exact = budget(articles + tagRows + commentRows);
      const rows = await Article.objects.using(exact).prefetchRelated('tags', 'comments');
      t.equal(exact.count, 3, 'one query per lookup, as when they ran one after the other');
      t.equal(rows.reduce((n, a) => n + (loaded(a, 'tags') as unknown[]).length + (loaded(a, 'comments') as unknown[]).length, 0), tagRows + commentRows);
      const second = await lookups(articles + tagRows + commentRows - 1).catch((e: unknown) => e);
      t.equal((second as RowBudgetExceeded).lookup, 'comments', 'over by one row: the later lookup is named');
      const first = await lookups(articles + tagRows - 1).catch((e: unknown) => e);
      t.equal((first as RowBudgetExceeded).lookup, 'tags', 'the earlier lookup over the budget is named, though both ran');
      const reversed = await Article.objects
        .using(budget(articles + tagRows + commentRows - 1))
        .prefetchRelated('comments', 'tags')
        .fetch()
        .catch((e: unknown) => e);
      t.equal((reversed as RowBudgetExceeded).lookup, 'tags', 'the order is the lookups\' order');
    });

    await t.test('nested captures both see the statements of the inner scope', async (t) => {
      const outer = await captureQueries(session, async () => {
        await Author.objects.using(session).count();
        const inner = await captureQueries(session, () => Article.objects.using(session).prefetchRelated('tags'));
        t.equal(inner.capture.count, 2);
      });
      t.equal(outer.capture.count, 3);
      t.ok(session.durationMs > 0, 'the session measured its waits');
    });

    await t.test('results are typed: fields, selected relations and toAttr lists', async (t) => {
      const articles = await Article.objects.using(session).selectRelated('author').orderBy('id').slice(0, 2);
      const title: string = articles[0].title;
      const name: string = articles[0].author.name;
      const category: number | null = articles[0].categoryId;
      t.equal(typeof title, 'string');
      t.equal(typeof name, 'string');
      t.ok(category === null || typeof category === 'number');
      const withActive = await Article.objects.using(session).prefetchRelated(
        new Prefetch('tags', Tag.objects.filter({ active: true }), { toAttr: 'activeTags' }),
      );
      const activeNames: string[] = withActive.flatMap((a) => a.activeTags.map((tag) => tag.name));
      t.ok(activeNames.every((n) => fx.tags.find((tag) => tag.name === n)!.active), 'toAttr typed as Tag[]');
    });
  });
});
