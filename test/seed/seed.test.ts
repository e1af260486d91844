import { type Kysely, sql } from 'kysely';
import t from 'tap';
import { migrateToLatest } from '../../src/db/migrate.js';
import { demoCounts, DEMO_TABLES, hasDemoData, SeedError, seedDemoData } from '../../src/seed/index.js';
import { eachDatabase } from '../helpers/databases.js';

const SCALE = 0.02;
const expected = demoCounts(SCALE);

/** One md5 over every row of every demo table, in a fixed order and time zone. */
async function checksum(db: Kysely<any>): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await sql`set local time zone 'UTC'`.execute(trx);
    const parts = sql.join(
      DEMO_TABLES.map((table) => sql`(select coalesce(md5(string_agg(t::text, '|' order by t::text)), '') from ${sql.table(table)} t)`),
      sql` || `,
    );
    const { rows } = await sql<{ sum: string }>`select md5(${parts}) as sum`.execute(trx);
    return rows[0].sum;
  });
}

async function one<T>(db: Kysely<any>, query: ReturnType<typeof sql<T>>): Promise<T> {
  const { rows } = await query.execute(db);
  return rows[0];
}

const checksums = new Map<string, string>();

await eachDatabase(t, async (t, { db, label }) => {
  t.equal(await hasDemoData(db), false, 'a migrated database starts empty');
  const summary = await seedDemoData(db, { scale: SCALE });
  t.equal(await hasDemoData(db), true);

  await t.test('row counts follow the scale formula', async (t) => {
    for (const table of ['authors', 'categories', 'tags', 'articles', 'comments', 'reactions'] as const) {
      const { count } = await one(db, sql<{ count: number }>`select count(*)::int as count from ${sql.table(table)}`);
      t.equal(count, expected[table], table);
      t.equal(summary.rows[table], expected[table], `${table} in the summary`);
    }
    const tagsPerArticle = await one(
      db,
      sql<{ max: number; total: number }>`select max(n)::int as max, sum(n)::int as total
        from (select count(*) as n from article_tags group by article_id) per_article`,
    );
    t.ok(tagsPerArticle.max <= 8, 'at most 8 tags per article');
    t.equal(tagsPerArticle.total, summary.rows.article_tags);
    t.ok(tagsPerArticle.total > expected.articles * 3 && tagsPerArticle.total < expected.articles * 5, 'about 4 tags per article');
  });

  await t.test('comments: skewed per article, a quarter anonymous, ties on created_at', async (t) => {
    const share = await one(db, sql<{ anonymous: number }>`select avg((author_id is null)::int)::float8 as anonymous from comments`);
    t.ok(share.anonymous > 0.2 && share.anonymous < 0.3, `anonymous share ${share.anonymous} is about 25%`);
    const spread = await one(
      db,
      sql<{ silent: number; median: number; max: number }>`
        select count(*) filter (where n = 0)::int as silent,
               percentile_cont(0.5) within group (order by n)::float8 as median, max(n)::int as max
        from (select count(c.id) as n from articles a left join comments c on c.article_id = a.id group by a.id) per_article`,
    );
    t.ok(spread.silent > 0, `${spread.silent} articles without comments`);
    t.ok(spread.max > 10 * spread.median, `max ${spread.max} is far above the median ${spread.median}`);
    const ties = await one(
      db,
      sql<{ ties: number }>`select count(*)::int as ties from (
        select 1 from comments group by article_id, created_at having count(*) > 1) tied`,
    );
    t.ok(ties.ties > 0, 'some comments of one article share created_at');
    const early = await one(
      db,
      sql<{ n: number }>`select count(*)::int as n from comments c join articles a on a.id = c.article_id where c.created_at < a.created_at`,
    );
    t.equal(early.n, 0, 'no comment predates its article');
  });

  await t.test('articles, tags and reactions have the documented shape', async (t) => {
    const articles = await one(
      db,
      sql<{ published: number; uncategorized: number; inconsistent: number }>`
        select avg(is_published::int)::float8 as published,
               count(*) filter (where category_id is null)::int as uncategorized,
               count(*) filter (where is_published <> (pub_date is not null))::int as inconsistent
        from articles`,
    );
    t.ok(articles.published > 0.6 && articles.published < 0.8, `published share ${articles.published} is about 70%`);
    t.ok(articles.uncategorized > 0, 'some articles have no category');
    t.equal(articles.inconsistent, 0, 'pub_date is set exactly on published articles');
    const tags = await one(db, sql<{ inactive: number }>`select count(*) filter (where not active)::int as inactive from tags`);
    t.ok(tags.inactive > 0 && tags.inactive < expected.tags / 5, `${tags.inactive} inactive tags`);
    const reactions = await sql<{ target_type: string; kinds: string[]; anonymous: number; dangling: number }>`
      select r.target_type, array_agg(distinct r.kind order by r.kind) as kinds,
             count(*) filter (where r.author_id is null)::int as anonymous,
             count(*) filter (where coalesce(a.id, c.id) is null)::int as dangling
      from reactions r
      left join articles a on r.target_type = 'article' and a.id = r.target_id
      left join comments c on r.target_type = 'comment' and c.id = r.target_id
      group by r.target_type order by r.target_type`.execute(db);
    t.same(
      reactions.rows.map((r) => r.target_type),
      ['article', 'comment'],
    );
    for (const row of reactions.rows) {
      t.same(row.kinds, ['laugh', 'like', 'love', 'wow'], `${row.target_type} reaction kinds`);
      t.ok(row.anonymous > 0, `some ${row.target_type} reactions are anonymous`);
      t.equal(row.dangling, 0, `every ${row.target_type} reaction points at an existing row`);
    }
  });

  await t.test('ids continue after the seeded ones', async (t) => {
    const inserts = {
      authors: sql`insert into authors (name, email) values ('New', 'new@example.com') returning id`,
      categories: sql`insert into categories (name, slug) values ('New', 'new') returning id`,
      tags: sql`insert into tags (name) values ('new-tag') returning id`,
      articles: sql`insert into articles (author_id, title, body) values (1, 'New', 'Body') returning id`,
      comments: sql`insert into comments (article_id, body) values (1, 'New') returning id`,
      reactions: sql`insert into reactions (target_type, target_id, kind) values ('article', 1, 'like') returning id`,
    };
    for (const [table, insert] of Object.entries(inserts)) {
      const { rows } = await insert.execute(db);
      t.equal((rows[0] as { id: number }).id, expected[table as keyof typeof inserts] + 1, table);
    }
  });

  await t.test('the same scale gives the same rows, whatever the batch size', async (t) => {
    await t.rejects(seedDemoData(db, { scale: SCALE }), SeedError, 'refuses a database that has data');
    await seedDemoData(db, { scale: SCALE, reset: true });
    const first = await checksum(db);
    await seedDemoData(db, { scale: SCALE, reset: true, batchSize: 777 });
    t.equal(await checksum(db), first, 'reseeding reproduces every row');
    await seedDemoData(db, { scale: SCALE, reset: true, seed: 7 });
    t.not(await checksum(db), first, 'another seed gives other rows');
    checksums.set(label, first);
  });

  await t.test('tiny and invalid scales', async (t) => {
    const { rows } = await seedDemoData(db, { scale: 0.0001, reset: true });
    for (const table of ['authors', 'categories', 'tags', 'articles', 'comments', 'reactions']) {
      t.ok(rows[table] >= 1, `at least one row in ${table}`);
    }
    for (const scale of [0, -1, Number.NaN, 1000]) {
      await t.rejects(seedDemoData(db, { scale, reset: true }), SeedError, `scale ${scale}`);
    }
    t.equal((await one(db, sql<{ n: number }>`select count(*)::int as n from authors`)).n, rows.authors, 'a refused seed changes nothing');
  });

  await t.test('migrating a migrated database is a no-op', async (t) => {
    const { results } = await migrateToLatest(db);
    t.same(results, [], 'nothing applied');
  });
});

if (checksums.size > 1) {
  t.equal(new Set(checksums.values()).size, 1, 'PGlite and PostgreSQL hold identical rows');
}
