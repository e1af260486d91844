/**
 * A TypeScript twin of every code block of the seed document
 * (/work/shared/seed/prefetch_related.md), each with its exact query count and
 * its rows checked against the fixture data computed by brute force.
 */
import t from 'tap';
import { Article, Author, Comment, Tag } from '../../src/models/index.js';
import { captureQueries, isLoaded, Prefetch, Session } from '../../src/orm/index.js';
import { assertNumQueries } from '../../src/orm/testing.js';
import { eachDatabase } from '../helpers/databases.js';
import { type Fixtures, newestFirst, seedFixtures } from './fixtures.js';


// Relations are attached to the models after they are declared, so instances
// do not carry them in their static type: the tests read them through `any`.
type Row = any;

/** The fixture's tag names of an article, in Tag's default ordering (name). */
function tagNames(fx: Fixtures, articleId: number, onlyActive = false): string[] {
  return fx.articleTags
    .filter(([a]) => a === articleId)
    .map(([, tagId]) => fx.tags.find((tag) => tag.id === tagId)!)
    .filter((tag) => !onlyActive || tag.active)
    .map((tag) => tag.name)
    .sort();
}

function articleIdsOf(fx: Fixtures, authorId: number, onlyPublished = false): number[] {
  return fx.articles.filter((a) => a.authorId === authorId && (!onlyPublished || a.isPublished)).map((a) => a.id);
}

/** Comments of an article in Comment's default ordering (createdAt, id). */
function commentIdsOf(fx: Fixtures, articleId: number): number[] {
  return fx.comments
    .filter((c) => c.articleId === articleId)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id)
    .map((c) => c.id);
}

t.test('seed examples', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);

    await t.test('ManyToMany: prefetchRelated("tags") then tags.all() is 2 queries', async (t) => {
      const names = await assertNumQueries(t, session, 2, async () => {
        const articles: Row[] = await Article.objects.using(session).prefetchRelated('tags');
        const result = new Map<number, string[]>();
        for (const article of articles) {
          const list: string[] = [];
          for (const tag of article.tags.all()) list.push(tag.name);
          result.set(article.id, list);
        }
        return result;
      });
      t.equal(names.size, fx.articles.length);
      for (const article of fx.articles) t.same(names.get(article.id), tagNames(fx, article.id), article.key);
    });

    await t.test('reverse FK: prefetchRelated("articles") is 2 queries, keys in one array parameter', async (t) => {
      const { result: authors, capture } = await captureQueries(session, async () => {
        const authors: Row[] = await Author.objects.using(session).prefetchRelated('articles');
        return authors.map((author) => ({ id: author.id, articles: [...author.articles.all()].map((a: Row) => a.id) }));
      });
      t.equal(capture.count, 2, capture.queries.map((q) => q.sql).join('\n'));
      for (const author of authors) t.same(author.articles, articleIdsOf(fx, author.id), `author ${author.id}`);
      const prefetch = capture.queries[1];
      t.match(prefetch.sql, /"author_id"/, 'the second query selects articles by author_id');
      t.equal(prefetch.parameters.length, 1, 'all parent keys in one parameter');
      t.same([...(prefetch.parameters[0] as number[])].sort(), fx.authors.map((a) => a.id).sort());
    });

    await t.test('selectRelated(author, category) + prefetchRelated(tags, comments) is 3 queries', async (t) => {
      const articles: Row[] = await assertNumQueries(t, session, 3, async () => {
        const rows: Row[] = await Article.objects.using(session)
          .selectRelated('author', 'category')
          .prefetchRelated('tags', 'comments');
        // Touch everything: none of it may query.
        for (const a of rows) void [a.author.name, a.category?.name, [...a.tags.all()], [...a.comments.all()]];
        return rows;
      });
      for (const article of articles) {
        const expected = fx.articles.find((a) => a.id === article.id)!;
        t.equal(article.author.id, expected.authorId);
        t.equal(article.category?.id ?? null, expected.categoryId);
        t.same([...article.tags.all()].map((tag: Row) => tag.name), tagNames(fx, article.id));
        t.same([...article.comments.all()].map((c: Row) => c.id), commentIdsOf(fx, article.id));
      }
      t.equal(articles.find((a) => a.id === fx.article('loose').id).category, null, 'null category is null');
    });

    await t.test('Prefetch with a filtered queryset is 2 queries and keeps only its rows', async (t) => {
      const authors: Row[] = await assertNumQueries(t, session, 2, async () => {
        const rows: Row[] = await Author.objects.using(session).prefetchRelated(
          new Prefetch('articles', Article.objects.filter({ isPublished: true })),
        );
        for (const author of rows) void [...author.articles.all()];
        return rows;
      });
      t.equal(authors.length, 3);
      for (const author of authors) {
        const ids = [...author.articles.all()].map((a: Row) => a.id);
        t.same(ids, articleIdsOf(fx, author.id, true), `author ${author.id}`);
      }
    });

    await t.test('Prefetch toAttr gives a plain array and leaves the relation unloaded', async (t) => {
      const authors: Row[] = await assertNumQueries(t, session, 2, () =>
        Author.objects.using(session).prefetchRelated(
          new Prefetch('articles', Article.objects.filter({ isPublished: true }), { toAttr: 'publishedArticles' }),
        ),
      );
      for (const author of authors) {
        t.ok(Array.isArray(author.publishedArticles), 'a list, not a queryset');
        t.same(author.publishedArticles.map((a: Row) => a.id), articleIdsOf(fx, author.id, true));
        for (const article of author.publishedArticles) t.equal(article.isPublished, true);
        // Django: with to_attr the related manager's cache is not filled.
        t.equal(isLoaded(author, 'articles'), false);
      }
    });

    await t.test('nested Prefetch (authors → articles → comments) is 3 queries', async (t) => {
      const authors: Row[] = await assertNumQueries(t, session, 3, async () => {
        const rows: Row[] = await Author.objects.using(session).prefetchRelated(
          new Prefetch('articles', Article.objects.prefetchRelated('comments')),
        );
        for (const author of rows) for (const article of author.articles.all()) void [...article.comments.all()];
        return rows;
      });
      for (const author of authors) {
        for (const article of author.articles.all()) {
          t.same([...article.comments.all()].map((c: Row) => c.id), commentIdsOf(fx, article.id), `article ${article.id}`);
        }
      }
    });

    await t.test("Prefetch through selectRelated: each author's 5 newest published articles, 2 queries", async (t) => {
      const articles: Row[] = await assertNumQueries(t, session, 2, () =>
        Article.objects.using(session).selectRelated('author').prefetchRelated(
          new Prefetch(
            'author__articles',
            Article.objects.filter({ isPublished: true }).orderBy('-pubDate').slice(0, 5),
            { toAttr: 'recentArticles' },
          ),
        ),
      );
      t.equal(articles.length, fx.articles.length);
      for (const article of articles) {
        const published = fx.articles.filter((a) => a.authorId === article.author.id && a.isPublished);
        const expected = newestFirst(published, (a) => a.pubDate, 5);
        t.same(article.author.recentArticles.map((a: Row) => a.id), expected, `author of article ${article.id}`);
      }
      // Spelled out once, so a wrong brute force cannot hide a wrong ORM.
      const byAlice = articles.find((a) => a.id === fx.article('orm').id).author.recentArticles;
      t.same(byAlice.map((a: Row) => a.title), ['Joins', 'Indexes', 'Uncategorised thoughts', 'Travel notes', 'Prefetching explained']);
      const byBob = articles.find((a) => a.id === fx.article('quiet').id).author.recentArticles;
      t.same(byBob.map((a: Row) => a.id), [fx.article('quiet').id, fx.article('kysely').id, fx.article('windows').id]);
    });

    await t.test('ordered, sliced Prefetch: 5 newest comments per article, 2 queries', async (t) => {
      const { result: articles, capture } = await captureQueries(session, async (): Promise<Row[]> =>
        Article.objects.using(session).prefetchRelated(
          new Prefetch('comments', Comment.objects.orderBy('-createdAt').slice(0, 5), { toAttr: 'recentComments' }),
        ),
      );
      t.equal(capture.count, 2, capture.queries.map((q) => q.sql).join('\n'));
      t.match(capture.queries[1].sql, /cross join lateral \(.* limit \$2\)/i, 'sliced per parent in SQL: a top-k per article');
      for (const article of articles) {
        const expected = newestFirst(fx.comments.filter((c) => c.articleId === article.id), (c) => c.createdAt, 5);
        t.same(article.recentComments.map((c: Row) => c.id), expected, `article ${article.id}`);
      }
      const orm = articles.find((a) => a.id === fx.article('orm').id);
      t.same(orm.recentComments.map((c: Row) => c.body), ['Comment o5', 'Comment o6', 'Comment o7', 'Comment o4', 'Comment o2'],
        'the tie at 5th place (o2, o3) goes to the lower id');
    });

    await t.test("don't break the cache: tags.all() is free, tags.filter() is one query per article", async (t) => {
      const articles: Row[] = await assertNumQueries(t, session, 2, async () => {
        const rows: Row[] = await Article.objects.using(session).prefetchRelated('tags');
        for (const article of rows) void [...article.tags.all()];
        return rows;
      });
      const active = await assertNumQueries(t, session, fx.articles.length, async () => {
        const result = new Map<number, string[]>();
        for (const article of articles) {
          const tags: Row[] = await article.tags.filter({ active: true });
          result.set(article.id, tags.map((tag) => tag.name));
        }
        return result;
      });
      for (const article of fx.articles) t.same(active.get(article.id), tagNames(fx, article.id, true), article.key);
    });

    await t.test('the fix: Prefetch(tags, active only, toAttr activeTags) is 2 queries in all', async (t) => {
      const active = await assertNumQueries(t, session, 2, async () => {
        const rows: Row[] = await Article.objects.using(session).prefetchRelated(
          new Prefetch('tags', Tag.objects.filter({ active: true }), { toAttr: 'activeTags' }),
        );
        return new Map(rows.map((article) => [article.id, article.activeTags.map((tag: Row) => tag.name)]));
      });
      for (const article of fx.articles) t.same(active.get(article.id), tagNames(fx, article.id, true), article.key);
    });
  });
});
