/**
 * A per-parent slice compiled as a LATERAL top-k returns exactly the rows,
 * in exactly the order, that the ROW_NUMBER() window returned: ties, NULLs
 * (last in both directions), filters, offsets, joins, many-to-many through the
 * junction table, generic relations, childless, missing and duplicate parent
 * keys, and the row budget's cap.
 */
import type { Kysely } from 'kysely';
import t from 'tap';
import { Article, Author, Comment, Tag } from '../../src/models/index.js';
import type { Model } from '../../src/orm/index.js';
import { Prefetch, captureQueries, Session } from '../../src/orm/index.js';
import { Count } from '../../src/orm/count.js';
import { toFilterNode, type FilterInput } from '../../src/orm/q.js';
import { compileSelect, type SelectSpec } from '../../src/orm/sql/select.js';
import { LATERAL_MAX_PARENTS, sliceFormFor } from '../../src/orm/sql/per-parent-slice.js';
import { eachDatabase } from '../helpers/databases.js';
import { type Fixtures, seedFixtures } from './fixtures.js';


interface Case {
  name: string;
  model: Model<any, any>;
  relation: string;
  keys: (fx: Fixtures) => unknown[];
  ordering: string[];
  low?: number;
  high?: number;
  filters?: FilterInput[];
  selectRelated?: string[];
  only?: string[];
  annotations?: [string, ReturnType<typeof Count>][];
  maxRows?: number;
  /** The case returns rows (so it cannot pass by returning nothing on both sides). */
  empty?: boolean;
}

const allArticles = (fx: Fixtures) => fx.articles.map((a) => a.id);
const allAuthors = (fx: Fixtures) => fx.authors.map((a) => a.id);

const CASES: Case[] = [
  { name: 'newest 5 comments per article (ties on createdAt)', model: Article, relation: 'comments', keys: allArticles, ordering: ['-createdAt', '-id'], high: 5 },
  { name: 'oldest 3, the pk breaks ties ascending', model: Article, relation: 'comments', keys: allArticles, ordering: ['createdAt'], high: 3 },
  { name: 'an offset: comments 2..4', model: Article, relation: 'comments', keys: allArticles, ordering: ['-createdAt', '-id'], low: 2, high: 5 },
  { name: 'an offset with no end', model: Article, relation: 'comments', keys: allArticles, ordering: ['createdAt', 'id'], low: 1 },
  { name: 'NULLs last descending (anonymous comments)', model: Article, relation: 'comments', keys: allArticles, ordering: ['-authorId'], high: 3 },
  { name: 'NULLs last ascending', model: Article, relation: 'comments', keys: allArticles, ordering: ['authorId'], high: 2 },
  { name: 'a filter', model: Article, relation: 'comments', keys: allArticles, ordering: ['-createdAt'], high: 2, filters: [{ authorId__isnull: false }] },
  {
    name: 'a filter through a join, with selectRelated and only()',
    model: Article,
    relation: 'comments',
    keys: allArticles,
    ordering: ['author__name', '-id'],
    high: 2,
    filters: [{ author__name__icontains: 'a' }],
    selectRelated: ['author'],
    only: ['body', 'author__name'],
  },
  {
    name: 'recent published articles per author (pubDate ties, NULL pubDates)',
    model: Author,
    relation: 'articles',
    keys: allAuthors,
    ordering: ['-pubDate', '-id'],
    high: 3,
    filters: [{ isPublished: true }],
  },
  { name: 'every article by pubDate desc: NULLs last', model: Author, relation: 'articles', keys: allAuthors, ordering: ['-pubDate'], high: 7 },
  {
    name: 'ordered by an annotation (a LATERAL count inside the LATERAL slice)',
    model: Author,
    relation: 'articles',
    keys: allAuthors,
    ordering: ['-commentCount', 'id'],
    high: 2,
    annotations: [['commentCount', Count('comments')]],
  },
  { name: 'an ordering column not loaded', model: Author, relation: 'articles', keys: allAuthors, ordering: ['-pubDate'], high: 2, only: ['title'] },
  { name: 'many-to-many: first tag by name per article', model: Article, relation: 'tags', keys: allArticles, ordering: ['name'], high: 1 },
  { name: 'many-to-many: second tag, active ones', model: Article, relation: 'tags', keys: allArticles, ordering: ['name'], low: 1, high: 2, filters: [{ active: true }] },
  { name: 'many-to-many reverse: newest article per tag', model: Tag, relation: 'articles', keys: (fx) => fx.tags.map((x) => x.id), ordering: ['-pubDate'], high: 1 },
  { name: 'generic relation: first reaction per article', model: Article, relation: 'reactions', keys: allArticles, ordering: ['-id'], high: 1 },
  { name: 'generic relation: reactions of comments', model: Comment, relation: 'reactions', keys: (fx) => fx.comments.map((c) => c.id), ordering: ['kind'], high: 2 },
  {
    name: 'duplicate, missing and childless parent keys',
    model: Author,
    relation: 'articles',
    keys: (fx) => [fx.author('alice').id, fx.author('alice').id, 999_999, fx.author('carol').id, fx.author('bob').id, fx.author('bob').id],
    ordering: ['-pubDate', '-id'],
    high: 4,
  },
  { name: 'only parents without children', model: Author, relation: 'articles', keys: (fx) => [fx.author('carol').id, 999_999], ordering: ['id'], high: 4, empty: true },
  { name: 'no parents', model: Author, relation: 'articles', keys: () => [], ordering: ['id'], high: 4, empty: true },
  { name: 'the row budget caps the whole result', model: Article, relation: 'comments', keys: allArticles, ordering: ['-createdAt', '-id'], high: 5, maxRows: 4 },
];

function spec(c: Case, fx: Fixtures, form: 'lateral' | 'window'): SelectSpec {
  const relation = c.model.meta.relations[c.relation];
  return {
    model: relation.target!,
    filters: (c.filters ?? []).map(toFilterNode),
    ordering: c.ordering,
    low: c.low ?? 0,
    high: c.high,
    only: c.only,
    defer: [],
    selectRelated: c.selectRelated ?? [],
    annotations: c.annotations ?? [],
    restriction: relation.restriction(c.keys(fx)),
    maxRows: c.maxRows,
    sliceForm: form,
  };
}

async function run(db: Kysely<any>, s: SelectSpec) {
  const { query } = compileSelect(s);
  const compiled = query.compile(db);
  return { sql: compiled.sql, rows: (await db.executeQuery(compiled)).rows };
}

t.test('LATERAL top-k returns what the window returned', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);
    for (const c of CASES) {
      await t.test(c.name, async (t) => {
        const lateral = await run(db, spec(c, fx, 'lateral'));
        const window = await run(db, spec(c, fx, 'window'));
        t.match(lateral.sql, /cross join lateral/);
        t.match(window.sql, /row_number\(\) over/);
        t.same(lateral.rows, window.rows, 'same rows, same order');
        if (c.empty) t.equal(lateral.rows.length, 0);
        else t.ok(lateral.rows.length > 0, `${lateral.rows.length} rows`);
        if (c.maxRows !== undefined) t.equal(lateral.rows.length, c.maxRows, 'capped');
        const perParent = new Map<unknown, number>();
        for (const row of lateral.rows) perParent.set(row.__pk, (perParent.get(row.__pk) ?? 0) + 1);
        const k = c.high === undefined ? Infinity : c.high - (c.low ?? 0);
        t.ok([...perParent.values()].every((n) => n <= k), `at most ${k} rows per parent`);
      });
    }

    await t.test('through the ORM: a sliced Prefetch runs the LATERAL form, a huge parent set the window', async (t) => {
      const { capture } = await captureQueries(session, async () =>
        Author.objects.using(session).prefetchRelated(new Prefetch('articles', Article.objects.orderBy('-pubDate').slice(0, 2))),
      );
      t.match(capture.queries[1].sql, /unnest\(\$1::bigint\[\]\) as "__p"\(key\) cross join lateral/);
      t.equal(sliceFormFor(5, LATERAL_MAX_PARENTS), 'lateral');
      t.equal(sliceFormFor(5, LATERAL_MAX_PARENTS + 1), 'window');
      t.equal(sliceFormFor(undefined, 3), 'window', 'no end to the slice: every child is read either way');
    });
  });
});
