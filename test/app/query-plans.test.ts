/**
 * EXPLAIN: `QuerySet.explain()` in the ORM, and over HTTP with
 * EXPLAIN_ENABLED (`Accept: application/vnd.loom.plan+json` → the plan of
 * every statement the request runs, in order, with its SQL and parameters;
 * off by default → 404). On demo data (scale 0.1, analyzed) so that the
 * planner uses the indexes scenario 1 is built on.
 */
import t from 'tap';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { Article } from '../../src/models/index.js';
import { indexesOf, Session } from '../../src/orm/index.js';
import { PLAN_MEDIA_TYPE } from '../../src/plugins/query-plans.js';
import { seedDemoData } from '../../src/seed/index.js';
import { eachDatabase } from '../helpers/databases.js';

const SCENARIO_1 = '/articles?include=author,category,tags,comments:recent5&page[size]=50';

await eachDatabase(t, async (t, database) => {
  await seedDemoData(database.db, { scale: 0.1 });
  await sql`vacuum analyze`.execute(database.db);

  t.test('QuerySet.explain(): the JSON plan, with actual times under analyze', async (t) => {
    const plan = await Article.objects.using(new Session(database)).filter({ id: 42 }).explain();
    t.same(indexesOf(plan), ['articles_pkey']);
    t.notOk('Execution Time' in plan);
    const analyzed = await Article.objects.using(new Session(database)).filter({ authorId: 3 }).orderBy('-pubDate').explain({ analyze: true });
    t.type(analyzed['Execution Time'], 'number');
    t.ok(indexesOf(analyzed).some((name) => name.startsWith('articles_author')), JSON.stringify(indexesOf(analyzed)));
  });

  t.test('off by default: asking for plans is a 404', async (t) => {
    const app = await buildApp({ database });
    t.teardown(() => app.close());
    const response = await app.inject({ url: SCENARIO_1, headers: { accept: PLAN_MEDIA_TYPE } });
    t.equal(response.statusCode, 404);
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(response.json().detail, /not enabled/);
    t.equal((await app.inject(SCENARIO_1)).statusCode, 200, 'data as usual');
  });

  t.test('EXPLAIN_ENABLED: the plans of every statement of scenario 1, in order, naming its indexes', async (t) => {
    const app = await buildApp({ database, explainEnabled: true });
    t.teardown(() => app.close());
    const data = await app.inject(SCENARIO_1);
    const response = await app.inject({ url: SCENARIO_1, headers: { accept: `${PLAN_MEDIA_TYPE}, application/json;q=0.5` } });
    t.equal(response.statusCode, 200);
    t.equal(response.headers['content-type'], PLAN_MEDIA_TYPE);
    t.match(String(response.headers.vary), /Accept/);
    const { plans } = response.json();
    t.equal(plans.length, 3, 'one per statement: the page, tags, comments');
    t.match(String(response.headers['server-timing']), /desc="3 queries"/, 'EXPLAIN statements are not counted');
    t.match(plans[0].sql, /^select .* from "articles" as "t0"/);
    t.same(plans[0].parameters, [true, 51], 'anonymous sees published articles (API.md §6); the page size + 1');
    for (const { plan, parameters } of plans) {
      t.ok(plan.Plan['Node Type'], 'a PostgreSQL JSON plan');
      t.ok(Array.isArray(parameters));
    }
    const used = plans.flatMap((p: any) => indexesOf(p.plan));
    // The page and the per-article comments read their indexes at any scale; the tags of 50
    // articles may be read by a hash join over the small junction table, so only its table is checked.
    // Anonymous pages walk the published articles by id: the primary key, or migration 0006's partial index on it.
    t.ok(used.includes('articles_pkey') || used.includes('articles_published_id_idx'), `the page reads articles by id (${used.join(', ')})`);
    t.ok(used.includes('comments_article_id_created_at_id_idx'), `comments_article_id_created_at_id_idx is used (${used.join(', ')})`);
    t.match(JSON.stringify(plans[1].plan), /"Relation Name":"article_tags"/, 'the tags statement reads the junction table');
    const counted = await app.inject({ url: '/articles?count=comments,tags,reactions&sort=-counts.comments&page[size]=50', headers: { accept: PLAN_MEDIA_TYPE } });
    const countIndexes = indexesOf(counted.json().plans);
    // The sort key: one grouped pass over comments; the other two counts: index-only scans for the page's rows.
    t.match(JSON.stringify(counted.json().plans), /"Relation Name":"comments"/);
    for (const index of ['article_tags_pkey', 'reactions_target']) {
      t.ok(countIndexes.some((name) => name.startsWith(index)), `the count subqueries read ${index} (${countIndexes.join(', ')})`);
    }
    t.match(JSON.stringify(counted.json().plans), /Index Only Scan/, 'index-only scans for the counts');
    const published = await app.inject({ url: '/authors?count=articles:published&page[size]=50', headers: { accept: PLAN_MEDIA_TYPE } });
    t.equal(published.statusCode, 200);
    // An index-only scan at scale 1 (docs/PERFORMANCE.md); on this small data set PostgreSQL may prefer a bitmap scan of it.
    t.ok(indexesOf(published.json().plans).includes('articles_author_id_published_idx'), "migration 0006: an author's published articles are counted from the partial index");
    const bad = await app.inject({ url: '/articles?include=nope', headers: { accept: PLAN_MEDIA_TYPE } });
    t.equal(bad.statusCode, 400, 'a bad request is still a problem');
  });
});
