/**
 * Prefetching at scale: parent keys bound as ONE array parameter (PostgreSQL
 * refuses more than 65,535 parameters), 100,000 parents in two queries, and a
 * chunked iterator that prefetches per chunk.
 */
import { sql } from 'kysely';
import t from 'tap';
import { Article, Author, Comment } from '../../src/models/index.js';
import { captureQueries, Prefetch, Session } from '../../src/orm/index.js';
import { assertNumQueries } from '../../src/orm/testing.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures, sortedIds } from './fixtures.js';


type Row = any;
const ids = (rows: Iterable<Row>) => [...rows].map((r) => r.id);

t.test('parent keys are one array parameter; the chunked iterator prefetches per chunk', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);

    await t.test('every prefetch query binds its parent keys as one array', async (t) => {
      const { capture } = await captureQueries(session, async () => Article.objects.using(session).prefetchRelated(
        'tags', 'reactions',
        new Prefetch('comments', Comment.objects.orderBy('-createdAt').slice(0, 5), { toAttr: 'recent' }),
      ));
      t.equal(capture.count, 4);
      for (const query of capture.queries.slice(1)) {
        const arrays = query.parameters.filter(Array.isArray) as number[][];
        t.equal(arrays.length, 1, `one array parameter in: ${query.sql}`);
        t.same([...arrays[0]].sort((a, b) => a - b), sortedIds(fx.articles), 'holding every parent key');
        t.ok(query.parameters.length <= 4, `a handful of parameters, not one per key: ${query.sql}`);
        t.match(query.sql, /= any\(\$1::bigint\[\]\)|unnest\(\$1::bigint\[\]\)/i, 'the keys: one array parameter, compared or unnested');
      }
    });

    await t.test('iterator({ chunkSize }) prefetches per chunk', async (t) => {
      const seen: Row[] = [];
      await assertNumQueries(t, session, 3 * 3, async () => {
        const qs = Article.objects.using(session).prefetchRelated('tags', 'comments');
        for await (const article of qs.iterator({ chunkSize: 5 })) {
          // Prefetched before the chunk is handed out: reading runs no query.
          void [...(article as Row).tags.all(), ...(article as Row).comments.all()];
          seen.push(article);
        }
      }, '12 rows in chunks of 5: 3 chunks x (1 + 2 prefetches)');
      t.same(ids(seen), sortedIds(fx.articles), 'every row once, in order');
      for (const a of seen) {
        t.equal([...a.comments.all()].length, fx.comments.filter((c) => c.articleId === a.id).length);
        t.equal([...a.tags.all()].length, fx.articleTags.filter(([id]) => id === a.id).length);
      }
    });

    await t.test('iterator without prefetches and over an empty set', async (t) => {
      const rows: Row[] = [];
      await assertNumQueries(t, session, 3, async () => {
        for await (const a of Article.objects.using(session).iterator({ chunkSize: 5 })) rows.push(a);
      });
      t.same(ids(rows), sortedIds(fx.articles));
      await assertNumQueries(t, session, 1, async () => {
        for await (const a of Article.objects.using(session).filter({ id__in: [] as number[] }).prefetchRelated('tags').iterator()) {
          t.fail(`unexpected row ${(a as Row).id}`);
        }
      }, 'no rows: no prefetch query');
    });
  });
});

t.test('100,000 parents', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const parents = 100_000;
    await sql`insert into authors (name, email)
              select 'Author ' || g, 'author' || g || '@example.com' from generate_series(1, ${parents}::int) g`.execute(db);
    await sql`insert into articles (author_id, title, body, is_published)
              select id, 'Article of ' || id, 'body', true from authors where id % 1000 = 0`.execute(db);

    await t.test('prefetchRelated over 100,000 authors is 2 queries', async (t) => {
      const { result: authors, capture } = await captureQueries(session, async (): Promise<Row[]> =>
        Author.objects.using(session).prefetchRelated('articles'));
      t.equal(capture.count, 2);
      t.equal(authors.length, parents);
      t.equal(capture.queries[1].parameters.length, 1, 'one parameter for 100,000 keys');
      t.equal((capture.queries[1].parameters[0] as unknown[]).length, parents);
      let withArticles = 0;
      for (const author of authors) {
        const articles = [...author.articles.all()] as Row[];
        if (author.id % 1000 === 0) {
          withArticles++;
          t.equal(articles.length === 1 && articles[0].authorId === author.id, true);
        } else if (articles.length !== 0) t.fail(`author ${author.id} got articles`);
      }
      t.equal(withArticles, parents / 1000);
    });

    await t.test('the chunked iterator over 100,000 authors', async (t) => {
      let count = 0;
      let articles = 0;
      await assertNumQueries(t, session, 4 * 2, async () => {
        const qs = Author.objects.using(session).prefetchRelated('articles');
        for await (const author of qs.iterator({ chunkSize: 30_000 })) {
          count++;
          articles += [...(author as Row).articles.all()].length;
        }
      }, '4 chunks (the last partial) x (1 + 1 prefetch)');
      t.equal(count, parents);
      t.equal(articles, parents / 1000);
    });
  });
});
