/**
 * annotate({ x: Count(...) }): counts of reverse FK, many-to-many and generic
 * relations, filtered or not, computed in the query that loads the rows
 * (same number of queries), inside a Prefetch queryset, on a select_related
 * instance, and usable in filters and orderings. Expected values are counted
 * by brute force from the fixtures.
 */
import t from 'tap';
import { Article, Author, Comment, Tag } from '../../src/models/index.js';
import { FieldError, OrmError } from '../../src/orm/errors.js';
import { Count, Prefetch, Q, Session } from '../../src/orm/index.js';
import { assertNumQueries } from '../../src/orm/testing.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';


t.test('annotate(Count)', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);
    const countOf = <R>(rows: R[], pred: (row: R) => boolean) => rows.filter(pred).length;
    const commentsOf = (articleId: number) => countOf(fx.comments, (c) => c.articleId === articleId);
    const tagsOf = (articleId: number, active?: boolean) =>
      countOf(fx.articleTags, ([a, tag]) => a === articleId && (active === undefined || fx.tags.find((x) => x.id === tag)!.active === active));
    const reactionsOf = (type: string, id: number) => countOf(fx.reactions, (r) => r.targetType === type && r.targetId === id);

    await t.test('reverse FK, m2m (plain and filtered), generic relation: one query, typed numbers', async (t) => {
      const rows = await assertNumQueries(t, session, 1, () =>
        Article.objects.using(session).annotate({
          commentsCount: Count('comments'),
          tagsCount: Count('tags'),
          activeTags: Count('tags', { filter: { active: true } }),
          reactionsCount: Count('reactions'),
        }),
      );
      t.equal(rows.length, fx.articles.length);
      for (const row of rows) {
        const n: number = row.commentsCount; // typed on the result
        t.equal(n, commentsOf(row.id), `comments of ${row.id}`);
        t.equal(row.tagsCount, tagsOf(row.id), `tags of ${row.id}`);
        t.equal(row.activeTags, tagsOf(row.id, true), `active tags of ${row.id}`);
        t.equal(row.reactionsCount, reactionsOf('article', row.id), `reactions of ${row.id}`);
      }
      t.ok(rows.some((row) => row.commentsCount === 0), 'articles without comments count 0');
      t.ok(rows.some((row) => row.tagsCount !== row.activeTags), 'the filter changes some count');
    });

    await t.test('the exact SQL: counts in the query that loads the parents; the one the ordering names joined', async (t) => {
      const qs = Article.objects.using(session)
        .only('id')
        .annotate({ commentsCount: Count('comments'), tagsCount: Count('tags'), activeTags: Count('tags', { filter: { active: true } }), reactionsCount: Count('reactions') })
        .orderBy('-commentsCount');
      const scalars =
        '(select count(*) as "n" from "article_tags" as "a2"  where "a2"."article_id" = "t0"."id") as "f4", ' +
        '(select count(*) as "n" from "tags" as "a3" inner join "article_tags" as "a3_through" on "a3_through"."tag_id" = "a3"."id"  ' +
        'where "a3_through"."article_id" = "t0"."id" and ("a3"."active" = $1)) as "f5", ' +
        '(select count(*) as "n" from "reactions" as "a4"  where "a4"."target_id" = "t0"."id" and "a4"."target_type" = $2) as "f6" ';
      const head = 'select "t0"."id" as "f0", "t0"."author_id" as "f1", "t0"."category_id" as "f2", coalesce("t0_a1"."n", 0) as "f3", ';
      const whole = qs.slice(0, 10).toSql();
      t.equal(
        whole.sql,
        head + scalars + 'from "articles" as "t0"  ' +
          'left join (select "a1"."article_id" as "k", count(*) as "n" from "comments" as "a1"  group by "a1"."article_id") as "t0_a1" on "t0_a1"."k" = "t0"."id" ' +
          'order by coalesce("t0_a1"."n", 0) desc, "t0"."id" asc limit $3',
        'the whole table sorted by a count: one grouped pass',
      );
      t.same(whole.parameters, [true, 'article', 10]);
      const filtered = qs.filter({ authorId: 3 }).slice(0, 10).toSql();
      t.equal(
        filtered.sql,
        head + scalars + 'from "articles" as "t0"  ' +
          'cross join lateral (select count(*) as "n" from "comments" as "a1"  where "a1"."article_id" = "t0"."id") as "t0_a1" ' +
          'where ("t0"."author_id" = $3) order by coalesce("t0_a1"."n", 0) desc, "t0"."id" asc limit $4',
        'filtered rows: a LATERAL probe per row',
      );
    });

    await t.test('ordering and filtering by an annotation (a keyset over a count)', async (t) => {
      const qs = Article.objects.using(session).annotate({ n: Count('comments') });
      const expected = [...fx.articles].sort((a, b) => commentsOf(b.id) - commentsOf(a.id) || a.id - b.id).map((a) => a.id);
      const ordered = await assertNumQueries(t, session, 1, () => qs.orderBy('-n', 'id'));
      t.same(ordered.map((a) => a.id), expected);
      const first = ordered[2];
      const after = await qs
        .filter(Q.or({ n__lt: first.n }, { n: first.n, id__gt: first.id }))
        .orderBy('-n', 'id');
      t.same(after.map((a) => a.id), expected.slice(3), 'continues after the third row');
      const lateral = await qs.filter({ id__gt: 0 }).orderBy('-n', 'id');
      t.same(lateral.map((a) => a.id), expected, 'the LATERAL form (a plain filter) orders the same');
      const busy = await qs.filter({ n__gte: 2 });
      t.same(busy.map((a) => a.id).sort((a, b) => a - b), fx.articles.filter((a) => commentsOf(a.id) >= 2).map((a) => a.id).sort((a, b) => a - b));
    });

    await t.test('a Count narrowed by a queryset (a filter preset) and on a Prefetch queryset', async (t) => {
      const published = Article.objects.filter({ isPublished: true }).orderBy('-pubDate');
      const authors = await assertNumQueries(t, session, 2, () =>
        Author.objects.using(session)
          .annotate({ publishedCount: Count('articles', { queryset: published }) })
          .prefetchRelated(new Prefetch('articles', Article.objects.annotate({ commentsCount: Count('comments') }))),
      );
      for (const author of authors) {
        t.equal(author.publishedCount, countOf(fx.articles, (a) => a.authorId === author.id && a.isPublished));
        for (const article of author.articles.all()) t.equal((article as any).commentsCount, commentsOf(article.id));
      }
      const sliced = Comment.objects.orderBy('-createdAt').slice(0, 5);
      t.throws(() => Count('comments', { queryset: sliced }), OrmError, 'a sliced queryset is refused');
    });

    await t.test('a count on a select_related instance (name with a path) and in a sliced prefetch', async (t) => {
      const comments = await assertNumQueries(t, session, 1, () =>
        Comment.objects.using(session).selectRelated('article').annotate({ article__commentsCount: Count('comments'), reactionsCount: Count('reactions') }),
      );
      for (const comment of comments) {
        t.equal((comment.article as any).commentsCount, commentsOf(comment.articleId));
        t.equal(comment.reactionsCount, reactionsOf('comment', comment.id));
        t.notOk('article__commentsCount' in comment);
      }
      const articles = await assertNumQueries(t, session, 2, () =>
        Article.objects.using(session).prefetchRelated(
          new Prefetch('comments', Comment.objects.orderBy('-createdAt', '-id').slice(0, 2).annotate({ reactionsCount: Count('reactions') })),
        ),
      );
      let seen = 0;
      for (const article of articles) {
        for (const comment of article.comments.all()) {
          t.equal((comment as any).reactionsCount, reactionsOf('comment', comment.id));
          seen++;
        }
      }
      t.ok(seen > 0);
      const tags = await Tag.objects.using(session).annotate({ articlesCount: Count('articles') });
      for (const tag of tags) t.equal(tag.articlesCount, countOf(fx.articleTags, ([, id]) => id === tag.id), 'reverse m2m');
    });

    await t.test('errors name what would have been valid', async (t) => {
      const articles = Article.objects.using(session);
      t.throws(() => articles.annotate({ n: Count('author') }).toSql(), { name: 'FieldError', message: /comments, reactions, tags/ });
      t.throws(() => articles.annotate({ n: Count('nope') }).toSql(), FieldError);
      t.throws(() => articles.annotate({ title: Count('comments') }).toSql(), /conflicts with a field/);
      t.throws(() => articles.annotate({ author__n: Count('articles') }).toSql(), /needs selectRelated\('author'\)/);
      t.throws(() => articles.annotate({ n: Count('comments', { queryset: Tag.objects }) }).toSql(), /queryset is of Tag/);
      t.throws(() => articles.annotate({ n: Count('comments') }).annotate({ n: Count('tags') }), /given twice/);
    });
  });
});
