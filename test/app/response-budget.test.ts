/**
 * The response budget (src/serializers/response-budget.ts): every object of
 * the tree counts, once per appearance; past the object or byte limit the
 * request is a 400 naming the include to narrow, decided before anything is
 * converted, and as each include level is loaded, so a loop stops before its
 * deeper levels are queried. Include loops on the demo data answer 200 or
 * 400 within 2 s, never a 5xx, and the event loop keeps answering
 * /health/live meanwhile (PGlite in a worker thread, as npm start runs it;
 * on PostgreSQL the level over the row budget is cut short by the server).
 */
import { availableParallelism, loadavg } from 'node:os';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { cutShort } from '../../src/db/pg-pipeline.js';
import { seedDemoData } from '../../src/seed/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { insertBlog } from './blog.fixture.js';

/** Objects in a JSON body that the API rendered (every object with an id). */
function countObjects(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countObjects(item), 0);
  if (value === null || typeof value !== 'object') return 0;
  const own = 'id' in value ? 1 : 0;
  return own + Object.values(value).reduce((sum: number, item) => sum + countObjects(item), 0);
}

/** buildApp's default row budget (ROW_BUDGET). */
const ROW_BUDGET = 20_000;

const LOOPS = [
  '/tags?include=articles.tags.articles',
  '/tags?include=articles.tags.articles&page[size]=25',
  '/categories?include=articles.comments.article.comments',
  '/authors?include=articles.tags.articles.comments',
  '/authors?include=articles.comments.article.comments&page[size]=100',
];

await eachDatabase(t, async (t, database) => {
  await insertBlog(database.db);

  t.test('every object counts, a row once per appearance: the exact count passes, one less is a 400', async (t) => {
    const url = '/tags?include=articles.tags.articles';
    const open = await buildApp({ database });
    t.teardown(() => open.close());
    const body = (await open.inject(url)).json();
    const objects = countObjects(body.data);
    t.ok(objects > 20, `${objects} objects, tags repeated under every article that has them`);
    const exact = await buildApp({ database, responseLimits: { maxObjects: objects } });
    t.teardown(() => exact.close());
    t.equal((await exact.inject(url)).statusCode, 200);
    const under = await buildApp({ database, responseLimits: { maxObjects: objects - 1 } });
    t.teardown(() => under.close());
    const refused = await under.inject(url);
    t.equal(refused.statusCode, 400);
    t.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(refused.json(), {
      type: 'urn:loom:problem:response-too-large',
      detail: new RegExp(`more than ${objects - 1} objects.*'articles\\.tags\\.articles'`),
      errors: [{ parameter: 'include', value: 'articles.tags.articles' }],
    });
  });

  t.test('a byte cap: past it a 400 naming the include, the same request passes with room', async (t) => {
    const url = '/articles?include=comments';
    const small = await buildApp({ database, responseLimits: { maxBytes: 1024 } });
    t.teardown(() => small.close());
    const refused = await small.inject(url);
    t.equal(refused.statusCode, 400);
    t.match(refused.json(), { type: 'urn:loom:problem:response-too-large', detail: /more than 1024 bytes/, errors: [{ value: 'comments' }] });
    const roomy = await buildApp({ database, responseLimits: { maxBytes: 4096 } });
    t.teardown(() => roomy.close());
    const served = await roomy.inject(url);
    t.equal(served.statusCode, 200);
    t.ok(served.body.length <= 4096, `${served.body.length} bytes`);
  });

  t.test('refused as soon as the levels loaded are over: the deeper levels are never queried', async (t) => {
    const queries = (response: { headers: Record<string, unknown> }) => Number(/desc="(\d+) queries"/.exec(String(response.headers['server-timing']))?.[1]);
    const open = await buildApp({ database });
    t.teardown(() => open.close());
    const three = await open.inject('/authors?include=articles.tags.articles');
    const objects = countObjects(three.json().data);
    const tight = await buildApp({ database, responseLimits: { maxObjects: objects - 1 } });
    t.teardown(() => tight.close());
    const refused = await tight.inject('/authors?include=articles.tags.articles.comments');
    t.equal(refused.statusCode, 400);
    t.match(refused.json(), { errors: [{ parameter: 'include' }] });
    t.equal(queries(refused), queries(three), `${queries(three)} queries: the comments of articles.tags.articles were not loaded`);
    t.equal(queries(await open.inject('/authors?include=articles.tags.articles.comments')), queries(three) + 1, 'served, it takes one more');
  });

  t.test('detail routes and writes read back under the same budget', async (t) => {
    const app = await buildApp({ database, responseLimits: { maxObjects: 4 } });
    t.teardown(() => app.close());
    t.equal((await app.inject('/articles/1?include=tags')).statusCode, 200, '1 article + 3 tags');
    t.match((await app.inject('/articles/1?include=tags,comments')).json(), { status: 400, errors: [{ value: 'comments' }] });
  });
});

await eachDatabase(
  t,
  async (t, database) => {
  // The demo data npm start serves (scale 0.1, PGlite in a worker thread); on PostgreSQL scale 1.
  const scale = database.label === 'postgres' ? 1 : 0.1;
  await seedDemoData(database.db, { scale });
  const app = await buildApp({ database });
  t.teardown(() => app.close());
  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  t.test('a page of 100 articles with author, category, tags and 5 comments each passes', async (t) => {
    const response = await app.inject('/articles?include=author,category,tags,comments:recent5&page[size]=100');
    t.equal(response.statusCode, 200);
    const objects = countObjects(response.json().data);
    t.ok(objects < 50_000 / 10, `${objects} objects, ${response.body.length} bytes: a tenth of the default budget or less`);
  });

  t.test(`five include loops at once (scale ${scale}) answer 200 or 400 within 2 s, and /health/live keeps answering`, async (t) => {
    const cutBefore = { ...cutShort };
    const probes: number[] = [];
    let running = true;
    const probing = (async () => {
      while (running) {
        const started = performance.now();
        const response = await fetch(`${address}/health/live`);
        await response.arrayBuffer();
        probes.push(performance.now() - started);
        t.equal(response.status, 200);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const answers = await Promise.all(
      LOOPS.map(async (url) => {
        const started = performance.now();
        const response = await fetch(address + url);
        const body = await response.text();
        return { url, status: response.status, body, ms: performance.now() - started };
      }),
    );
    running = false;
    await probing;
    // The bounds (2 s a loop; /health/live generously 250 ms, the quiet-machine figure
    // is bench/liveness/run.ts's) stretched by how overloaded the machine is: the suite runs
    // 4 files on 2 cores, and shared machines more. Even stretched they fail where the loop
    // is held by SQL (PGlite in-thread: probes waited 1.8-2.2 s at load 5-6, docs/HARDENING.md).
    // The same bounds on PostgreSQL at scale 1, where the loops' levels stream thousands of rows:
    // pg reads a large result one socket read per loop turn (readInTurns, src/db/pg-pipeline.ts;
    // before it: worst 254-885 ms at load 6-8).
    const slack = Math.max(1, loadavg()[0] / availableParallelism());
    const bounds = { worst: 250, median: 50 };
    let overRowBudget = 0;
    for (const { url, status, body, ms } of answers) {
      t.ok(status === 200 || status === 400, `${url}: ${status}`);
      if (status === 400) t.match(JSON.parse(body), { errors: [{ parameter: 'include' }] }, `${url}: names the include to narrow`);
      if (status === 400 && /rows at include/.test(JSON.parse(body).detail)) overRowBudget++;
      t.ok(ms < 2000 * slack, `${url}: answered in ${ms.toFixed(0)} ms (bound ${(2000 * slack).toFixed(0)})`);
    }
    if (database.label === 'postgres') {
      // The level that went over the row budget stopped at what the budget had left (Execute's row
      // limit), not at the SQL's LIMIT of ROW_BUDGET + 1: fewer rows shipped, parsed and dropped.
      const cut = { statements: cutShort.statements - cutBefore.statements, rows: cutShort.rows - cutBefore.rows };
      t.ok(overRowBudget > 0 && cut.statements >= overRowBudget, `${overRowBudget} loops over the row budget, ${cut.statements} statements cut short`);
      t.ok(cut.rows < cut.statements * (ROW_BUDGET + 1), `they delivered ${cut.rows} rows, not ${cut.statements} × ${ROW_BUDGET + 1}`);
    }
    t.ok(probes.length >= 3, `${probes.length} probes answered while the loops ran`);
    const worst = Math.max(...probes);
    const median = probes.sort((a, b) => a - b)[probes.length >> 1];
    t.comment(`/health/live while five loops ran: ${probes.length} probes, worst ${worst.toFixed(0)} ms, median ${median.toFixed(0)} ms, load ${loadavg()[0].toFixed(1)}`);
    t.ok(worst < bounds.worst * slack, `every probe answered within ${(bounds.worst * slack).toFixed(0)} ms (worst ${worst.toFixed(0)} ms)`);
    // The loop is free most of the time: in-thread PGlite's median probe was 794 ms at load 17.7, the worker's 5 ms.
    t.ok(median < bounds.median * slack, `half the probes answered within ${(bounds.median * slack).toFixed(0)} ms (median ${median.toFixed(0)} ms)`);
  });
  },
  { pgliteThread: true },
);
