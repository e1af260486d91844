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
  setDefaultFetchMode,
  withRowBudget,
} from '../../src/orm/index.js';
import { assertNumQueries } from '../../src/orm/testing.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';

setDefaultFetchMode('raise');

t.test('fetch modes, row budget and query capture', async (t) => {
  await eachDatabase(t, async (t, { db }) => {
    const fx = await seedFixtures(db);
    const articlesOf = (authorId: number) => fx.articles.filter((a) => a.authorId === authorId).map((a) => a.id).sort((a, b) => a - b);

    await t.test("'raise' (strict): an unloaded relation throws and names what to add", async (t) => {
      const [article] = await Article.objects.using(db).slice(0, 1);
      t.throws(() => article.author, RelationNotLoaded);
      t.throws(() => article.author, /selectRelated\('author'\)/);
      t.throws(() => article.tags.all(), /prefetchRelated\('tags'\)/);
      t.throws(() => loaded(article, 'comments'), RelationNotLoaded);
      await t.rejects(load(article, 'tags'), RelationNotLoaded);
      t.notOk(isLoaded(article, 'tags'));
    });

    await t.test("'one': load() fetches the relation for that instance only", async (t) => {
      const authors = await Author.objects.using(db).fetchMode('one');
      await assertNumQueries(t, 1, () => load(authors[0], 'articles'));
      t.ok(isLoaded(authors[0], 'articles'));
      t.notOk(isLoaded(authors[1], 'articles'), 'the peers stay unloaded');
      const ids = (loaded(authors[0], 'articles') as ArticleInstance[]).map((a) => a.id).sort((a, b) => a - b);
      t.same(ids, articlesOf(authors[0].id));
      t.equal((await authors[1].articles.all()).length, articlesOf(authors[1].id).length, "'one' lets all() query lazily");
    });

    await t.test("'peers': the first load() fetches the relation for the whole result in one query", async (t) => {
      const authors = await Author.objects.using(db).fetchMode('peers');
      await assertNumQueries(t, 1, () => load(authors[0], 'articles'));
      for (const author of authors) {
        t.ok(isLoaded(author, 'articles'), `${author.name}'s articles loaded by the same query`);
        t.same([...author.articles.all()].map((a) => a.id).sort((a, b) => a - b), articlesOf(author.id));
      }
      await assertNumQueries(t, 0, () => load(authors[2], 'articles'), 'a loaded relation costs nothing');
      const articles = await Article.objects.using(db).fetchMode('peers');
      await assertNumQueries(t, 1, () => load(articles[0], 'author'), 'a to-one relation loads for the peers too');
      for (const article of articles) t.equal(article.author.id, article.authorId);
    });

    await t.test('the row budget stops an include explosion at the database and names the lookup', async (t) => {
      const total = fx.articles.length;
      const error = await withRowBudget(fx.authors.length + total - 1, () =>
        Author.objects.using(db).prefetchRelated('articles'),
      ).catch((e: unknown) => e);
      t.type(error, RowBudgetExceeded);
      t.equal((error as RowBudgetExceeded).lookup, 'articles');
      const { capture } = await captureQueries(() =>
        withRowBudget(5, () => Author.objects.using(db).prefetchRelated('articles')).catch(() => null),
      );
      t.match(capture.queries[1].sql, /limit \$\d+$/, 'the prefetch query asks for at most the remaining budget + 1 rows');
      const fits = await withRowBudget(fx.authors.length + total, () => Author.objects.using(db).prefetchRelated('articles'));
      t.equal(fits.length, fx.authors.length, 'exactly at the budget succeeds');
      const main = await withRowBudget(1, () => Article.objects.using(db)).catch((e: unknown) => e);
      t.type(main, RowBudgetExceeded);
      t.equal((main as RowBudgetExceeded).lookup, undefined, 'the main query has no lookup');
    });

    await t.test('sibling lookups run side by side but are charged to the budget in lookup order', async (t) => {
      const articles = fx.articles.length;
      const tagRows = fx.articleTags.length;
      const commentRows = fx.comments.length;
      const lookups = () => Article.objects.using(db).prefetchRelated('tags', 'comments').fetch();
      const { result: rows, capture } = await captureQueries(() => withRowBudget(articles + tagRows + commentRows, lookups));
      t.equal(capture.count, 3, 'one query per lookup, as when they ran one after the other');
      t.equal(rows.reduce((n, a) => n + (loaded(a, 'tags') as unknown[]).length + (loaded(a, 'comments') as unknown[]).length, 0), tagRows + commentRows);
      const second = await withRowBudget(articles + tagRows + commentRows - 1, lookups).catch((e: unknown) => e);
      t.equal((second as RowBudgetExceeded).lookup, 'comments', 'over by one row: the later lookup is named');
      const first = await withRowBudget(articles + tagRows - 1, lookups).catch((e: unknown) => e);
      t.equal((first as RowBudgetExceeded).lookup, 'tags', 'the earlier lookup over the budget is named, though both ran');
      const reversed = await withRowBudget(articles + tagRows + commentRows - 1, () =>
        Article.objects.using(db).prefetchRelated('comments', 'tags'),
      ).catch((e: unknown) => e);
      t.equal((reversed as RowBudgetExceeded).lookup, 'tags', 'the order is the lookups\' order');
    });

    await t.test('nested captures both see the statements of the inner scope', async (t) => {
      const outer = await captureQueries(async () => {
        await Author.objects.using(db).count();
        const inner = await captureQueries(() => Article.objects.using(db).prefetchRelated('tags'));
        t.equal(inner.capture.count, 2);
      });
      t.equal(outer.capture.count, 3);
      t.ok(outer.capture.durationMs >= 0);
    });

    await t.test('results are typed: fields, selected relations and toAttr lists', async (t) => {
      const articles = await Article.objects.using(db).selectRelated('author').orderBy('id').slice(0, 2);
      const title: string = articles[0].title;
      const name: string = articles[0].author.name;
      const category: number | null = articles[0].categoryId;
      t.equal(typeof title, 'string');
      t.equal(typeof name, 'string');
      t.ok(category === null || typeof category === 'number');
      const withActive = await Article.objects.using(db).prefetchRelated(
        new Prefetch('tags', Tag.objects.filter({ active: true }), { toAttr: 'activeTags' }),
      );
      const activeNames: string[] = withActive.flatMap((a) => a.activeTags.map((tag) => tag.name));
      t.ok(activeNames.every((n) => fx.tags.find((tag) => tag.name === n)!.active), 'toAttr typed as Tag[]');
    });
  });
});
