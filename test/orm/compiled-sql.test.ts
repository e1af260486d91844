/**
 * The exact SQL text and parameters the SELECT compiler produces for
 * representative querysets (in the style of Kysely's `testSql`): a filter with
 * an ordering and a slice, selectRelated INNER/LEFT joins, a reverse-FK
 * prefetch by `= any($1::bigint[])`, a sliced Prefetch in its LATERAL and its
 * window form, many-to-many through the junction, a generic relation, an
 * annotate Count and a keyset `Q.row` filter. The statements are the ones the
 * session sent. Each queryset is also run on both databases and its rows are
 * checked against the fixtures, so the expected text cannot be wrong SQL.
 */
import t, { type Test } from 'tap';
import { Article, Author, Comment } from '../../src/models/index.js';
import { Count, Prefetch, Q, Session } from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures, type Fixtures } from './fixtures.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;
const ids = (rows: Iterable<Row>): number[] => [...rows].map((row) => row.id);
const asc = (xs: number[]) => [...xs].sort((a, b) => a - b);
const articlesOf = (fx: Fixtures, authorId: number) => asc(fx.articles.filter((a) => a.authorId === authorId).map((a) => a.id));

interface Case {
  name: string;
  run(session: Session, fx: Fixtures): PromiseLike<Row[]>;
  /** Each statement the session sent: SQL text and parameters. */
  statements(fx: Fixtures): Array<[string, unknown[]]>;
  rows(t: Test, rows: Row[], fx: Fixtures): void;
}

const CASES: Case[] = [
  {
    name: 'filter, ordering and slice',
    run: (session) => Article.objects.using(session).filter({ isPublished: true }).orderBy('title', 'id').slice(1, 4),
    statements: () => [
      [
        'select "t0"."id" as "f0", "t0"."author_id" as "f1", "t0"."category_id" as "f2", "t0"."title" as "f3", "t0"."body" as "f4", "t0"."is_published" as "f5", "t0"."pub_date" as "f6", "t0"."created_at" as "f7"' +
        ' from "articles" as "t0" ' +
        ' where ("t0"."is_published" = $1)' +
        ' order by "t0"."title" asc, "t0"."id" asc limit $2 offset $3',
        [true, 3, 1],
      ],
    ],
    rows: (t, rows, fx) => {
      const expected = fx.articles.filter((a) => a.isPublished)
        .sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : a.id - b.id)).slice(1, 4);
      t.same(ids(rows), ids(expected));
    },
  },
  {
    name: 'selectRelated: INNER join for a required FK, LEFT join for a nullable one',
    run: (session) => Comment.objects.using(session).selectRelated('article', 'author').orderBy('id'),
    statements: () => [
      [
        'select "t0"."id" as "f0", "t0"."article_id" as "f1", "t0"."author_id" as "f2", "t0"."body" as "f3", "t0"."created_at" as "f4", "t0_1"."id" as "f5", "t0_1"."author_id" as "f6", "t0_1"."category_id" as "f7", "t0_1"."title" as "f8", "t0_1"."body" as "f9", "t0_1"."is_published" as "f10", "t0_1"."pub_date" as "f11", "t0_1"."created_at" as "f12", "t0_2"."id" as "f13", "t0_2"."name" as "f14", "t0_2"."email" as "f15", "t0_2"."bio" as "f16", "t0_2"."created_at" as "f17"' +
        ' from "comments" as "t0"' +
        ' inner join "articles" as "t0_1" on "t0_1"."id" = "t0"."article_id"' +
        ' left join "authors" as "t0_2" on "t0_2"."id" = "t0"."author_id"' +
        ' order by "t0"."id" asc',
        [],
      ],
    ],
    rows: (t, rows, fx) => {
      t.same(ids(rows), asc(fx.comments.map((c) => c.id)));
      for (const row of rows) {
        t.equal(row.article.id, row.articleId);
        t.equal(row.author?.id ?? null, row.authorId);
      }
      t.ok(rows.some((row) => row.author === null), 'an anonymous comment is kept by the LEFT join');
    },
  },
  {
    name: 'reverse-FK prefetch: = any($1::bigint[])',
    run: (session) => Author.objects.using(session).orderBy('id').prefetchRelated('articles'),
    statements: (fx) => [
      [
        'select "t0"."id" as "f0", "t0"."name" as "f1", "t0"."email" as "f2", "t0"."bio" as "f3", "t0"."created_at" as "f4"' +
        ' from "authors" as "t0" ' +
        ' order by "t0"."id" asc',
        [],
      ],
      [
        'select "t0"."id" as "f0", "t0"."author_id" as "f1", "t0"."category_id" as "f2", "t0"."title" as "f3", "t0"."body" as "f4", "t0"."is_published" as "f5", "t0"."pub_date" as "f6", "t0"."created_at" as "f7", "t0"."author_id" as "__pk"' +
        ' from "articles" as "t0" ' +
        ' where "t0"."author_id" = any($1::bigint[])' +
        ' order by "t0"."id" asc',
        [asc(fx.authors.map((a) => a.id))],
      ],
    ],
    rows: (t, rows, fx) => {
      for (const author of rows) t.same(asc(ids(author.articles.all())), articlesOf(fx, author.id));
    },
  },
  {
    name: 'sliced Prefetch, LATERAL form (a slice with an end)',
    run: (session) => Author.objects.using(session).orderBy('id')
      .prefetchRelated(new Prefetch('articles', Article.objects.orderBy('id').slice(0, 2))),
    statements: (fx) => [
      [
        'select "t0"."id" as "f0", "t0"."name" as "f1", "t0"."email" as "f2", "t0"."bio" as "f3", "t0"."created_at" as "f4"' +
        ' from "authors" as "t0" ' +
        ' order by "t0"."id" asc',
        [],
      ],
      [
        'select "__l"."f0", "__l"."f1", "__l"."f2", "__l"."f3", "__l"."f4", "__l"."f5", "__l"."f6", "__l"."f7", "__p"."key" as "__pk"' +
        ' from unnest($1::bigint[]) as "__p"(key)' +
        ' cross join lateral (select "t0"."id" as "f0", "t0"."author_id" as "f1", "t0"."category_id" as "f2", "t0"."title" as "f3", "t0"."body" as "f4", "t0"."is_published" as "f5", "t0"."pub_date" as "f6", "t0"."created_at" as "f7"' +
        ' from "articles" as "t0" ' +
        ' where "t0"."author_id" = "__p"."key"' +
        ' order by "t0"."id" asc limit $2) as "__l"',
        [asc(fx.authors.map((a) => a.id)), 2],
      ],
    ],
    rows: (t, rows, fx) => {
      for (const author of rows) t.same(ids(author.articles.all()), articlesOf(fx, author.id).slice(0, 2));
    },
  },
  {
    name: 'sliced Prefetch, window form (a slice without an end)',
    run: (session) => Author.objects.using(session).orderBy('id')
      .prefetchRelated(new Prefetch('articles', Article.objects.orderBy('id').slice(1))),
    statements: (fx) => [
      [
        'select "t0"."id" as "f0", "t0"."name" as "f1", "t0"."email" as "f2", "t0"."bio" as "f3", "t0"."created_at" as "f4"' +
        ' from "authors" as "t0" ' +
        ' order by "t0"."id" asc',
        [],
      ],
      [
        'select "w"."f0", "w"."f1", "w"."f2", "w"."f3", "w"."f4", "w"."f5", "w"."f6", "w"."f7", "w"."__pk"' +
        ' from (select "t0"."id" as "f0", "t0"."author_id" as "f1", "t0"."category_id" as "f2", "t0"."title" as "f3", "t0"."body" as "f4", "t0"."is_published" as "f5", "t0"."pub_date" as "f6", "t0"."created_at" as "f7", "t0"."author_id" as "__pk", row_number() over (partition by "t0"."author_id"' +
        ' order by "t0"."id" asc) as "__rn"' +
        ' from "articles" as "t0" ' +
        ' where "t0"."author_id" = any($1::bigint[])) as "w"' +
        ' where "w"."__rn" > $2' +
        ' order by "w"."__pk", "w"."f0" asc',
        [asc(fx.authors.map((a) => a.id)), 1],
      ],
    ],
    rows: (t, rows, fx) => {
      for (const author of rows) t.same(ids(author.articles.all()), articlesOf(fx, author.id).slice(1));
    },
  },
  {
    name: 'many-to-many prefetch through the junction table',
    run: (session) => Article.objects.using(session).orderBy('id').prefetchRelated('tags'),
    statements: (fx) => [
      [
        'select "t0"."id" as "f0", "t0"."author_id" as "f1", "t0"."category_id" as "f2", "t0"."title" as "f3", "t0"."body" as "f4", "t0"."is_published" as "f5", "t0"."pub_date" as "f6", "t0"."created_at" as "f7"' +
        ' from "articles" as "t0" ' +
        ' order by "t0"."id" asc',
        [],
      ],
      [
        'select "t0"."id" as "f0", "t0"."name" as "f1", "t0"."active" as "f2", "t0_through"."article_id" as "__pk"' +
        ' from "tags" as "t0"' +
        ' inner join "article_tags" as "t0_through" on "t0_through"."tag_id" = "t0"."id" ' +
        ' where "t0_through"."article_id" = any($1::bigint[])' +
        ' order by "t0"."name" asc, "t0"."id" asc',
        [asc(fx.articles.map((a) => a.id))],
      ],
    ],
    rows: (t, rows, fx) => {
      for (const a of rows) {
        t.same(asc(ids(a.tags.all())), asc(fx.articleTags.filter(([articleId]) => articleId === a.id).map(([, tag]) => tag)));
      }
    },
  },
  {
    name: 'generic relation prefetch: the type column and the ids',
    run: (session) => Article.objects.using(session).orderBy('id').prefetchRelated('reactions'),
    statements: (fx) => [
      [
        'select "t0"."id" as "f0", "t0"."author_id" as "f1", "t0"."category_id" as "f2", "t0"."title" as "f3", "t0"."body" as "f4", "t0"."is_published" as "f5", "t0"."pub_date" as "f6", "t0"."created_at" as "f7"' +
        ' from "articles" as "t0" ' +
        ' order by "t0"."id" asc',
        [],
      ],
      [
        'select "t0"."id" as "f0", "t0"."target_type" as "f1", "t0"."target_id" as "f2", "t0"."kind" as "f3", "t0"."author_id" as "f4", "t0"."created_at" as "f5", "t0"."target_id" as "__pk"' +
        ' from "reactions" as "t0" ' +
        ' where "t0"."target_id" = any($1::bigint[]) and "t0"."target_type" = $2' +
        ' order by "t0"."id" asc',
        [asc(fx.articles.map((a) => a.id)), "article"],
      ],
    ],
    rows: (t, rows, fx) => {
      for (const a of rows) {
        t.same(asc(ids(a.reactions.all())), asc(fx.reactions.filter((r) => r.targetType === 'article' && r.targetId === a.id).map((r) => r.id)));
      }
    },
  },
  {
    name: 'annotate Count',
    run: (session) => Author.objects.using(session).annotate({ n: Count('articles') }).orderBy('id'),
    statements: () => [
      [
        'select "t0"."id" as "f0", "t0"."name" as "f1", "t0"."email" as "f2", "t0"."bio" as "f3", "t0"."created_at" as "f4", (select count(*) as "n"' +
        ' from "articles" as "a1" ' +
        ' where "a1"."author_id" = "t0"."id") as "f5"' +
        ' from "authors" as "t0" ' +
        ' order by "t0"."id" asc',
        [],
      ],
    ],
    rows: (t, rows, fx) => {
      t.same(rows.map((a) => [a.id, a.n]), fx.authors.map((a) => [a.id, articlesOf(fx, a.id).length]));
    },
  },
  {
    name: 'keyset filter Q.row',
    run: (session, fx) => {
      const pivot = fx.comments[2];
      return Comment.objects.using(session).filter(Q.row(['createdAt', 'id'], '>', [pivot.createdAt, pivot.id])).orderBy('createdAt', 'id');
    },
    statements: (fx) => [
      [
        'select "t0"."id" as "f0", "t0"."article_id" as "f1", "t0"."author_id" as "f2", "t0"."body" as "f3", "t0"."created_at" as "f4"' +
        ' from "comments" as "t0" ' +
        ' where (("t0"."created_at", "t0"."id") > ($1, $2))' +
        ' order by "t0"."created_at" asc, "t0"."id" asc',
        [fx.comments[2].createdAt, fx.comments[2].id],
      ],
    ],
    rows: (t, rows, fx) => {
      const pivot = fx.comments[2];
      const after = fx.comments
        .filter((c) => c.createdAt > pivot.createdAt || (+c.createdAt === +pivot.createdAt && c.id > pivot.id))
        .sort((a, b) => +a.createdAt - +b.createdAt || a.id - b.id);
      t.same(ids(rows), ids(after));
      t.ok(rows.length > 0 && rows.length < fx.comments.length);
    },
  },
];

t.test('compiled SQL: exact text and parameters, and the rows they return', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const fx = await seedFixtures(database.db);
    for (const c of CASES) {
      await t.test(c.name, async (t) => {
        const session = new Session(database, { fetchMode: 'raise' });
        try {
          const rows = await c.run(session, fx);
          const sent = session.queries.map((q) => [q.sql, [...q.parameters]]);
          if (process.env.PRINT_SQL) console.error(JSON.stringify({ name: c.name, sent }));
          t.same(sent, c.statements(fx), 'SQL and parameters');
          c.rows(t, rows, fx);
        } finally {
          await session.close();
        }
      });
    }
  });
});
