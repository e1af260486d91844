/**
 * Behind PgBouncer in transaction pooling: consecutive transactions of one
 * client run on different server connections, so anything that relies on
 * session state (SET without LOCAL, named prepared statements, temp tables)
 * breaks or leaks. The main include requests of API.md, fired concurrently
 * through a pooler with 2 server connections, must answer exactly what a
 * direct connection answers, with the documented query count, and leave no
 * setting behind on the server connections.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { createDatabase } from '../../src/db/database.js';
import { openPostgres } from '../helpers/databases.js';
import { hasPgBouncer, PGBOUNCER_BIN, startPgBouncer } from '../helpers/pgbouncer.js';
import { seedFixtures } from '../orm/fixtures.js';

/** Every include shape of API.md §2–3 with its query count: 1 + to-many nodes (+ generic target types). */
const CASES: Array<[string, number]> = [
  ['/articles', 1],
  ['/articles?include=author,category', 1],
  ['/articles?include=tags', 2],
  ['/articles?include=tags:active', 2],
  ['/articles?include=comments', 2],
  ['/articles?include=comments:recent5', 2],
  ['/articles?include=comments.author', 2],
  ['/articles?include=comments:recent5,comments.author', 2],
  ['/articles?include=author.articles:recent5', 2],
  ['/articles?include=reactions', 2],
  ['/articles?include=author,category,tags,comments:recent5', 3],
  ['/articles?include=comments.reactions,tags.articles:published', 5],
  ['/articles?include=author,category,tags,comments.author,reactions.author', 4],
  ['/authors?include=articles:published,comments:recent1', 3],
  ['/authors?include=articles.comments.author', 3],
  ['/categories?include=articles:recent1', 2],
  ['/tags?include=articles', 2],
  ['/comments?include=article,author', 1],
  ['/reactions?include=target,author', 3], // reactions + one query per target type (articles, comments)
  ['/articles/1?include=tags:active,author', 2],
  ['/authors/1?include=articles.comments.author', 3],
  ['/articles?include=tags&sort=-pubDate&filter[isPublished]=true&page[size]=3', 2],
];

function queriesOf(timing: unknown): number {
  const match = /desc="(\d+) quer/.exec(String(timing));
  return match ? Number(match[1]) : NaN;
}

if (!process.env.TEST_DATABASE_URL) {
  t.plan(0, 'needs TEST_DATABASE_URL (the PostgreSQL server PgBouncer fronts)');
} else if (!(await hasPgBouncer())) {
  t.plan(0, `pgbouncer not installed at ${PGBOUNCER_BIN} (apt-get install -y pgbouncer)`);
} else {
  const admin = new URL(process.env.TEST_DATABASE_URL);
  const direct = await openPostgres(process.env.TEST_DATABASE_URL);
  t.teardown(() => direct.close());
  await seedFixtures(direct.db);
  const bouncer = await startPgBouncer({ host: admin.hostname, port: Number(admin.port || 5432), poolSize: 2 });
  t.teardown(() => bouncer.stop());
  const databaseName = new URL(direct.url!).pathname.slice(1);
  // More client connections than server connections: transactions must hop between server sessions.
  // Named prepared statements off (DB_PREPARED_STATEMENTS=false), as docs/DEPLOY.md says for this pooler.
  const pooled = await createDatabase({ url: bouncer.url(databaseName), poolMax: 8, preparedStatements: false });
  t.teardown(() => pooled.close());
  const directApp = await buildApp({ database: direct, statementTimeoutMs: 5000 });
  const pooledApp = await buildApp({ database: pooled, statementTimeoutMs: 5000 });
  t.teardown(() => Promise.all([directApp.close(), pooledApp.close()]));

  t.test('every include through the pooler: same body, documented query count', async (t) => {
    for (const [url, queries] of CASES) {
      const [viaBouncer, viaServer] = [await pooledApp.inject(url), await directApp.inject(url)];
      t.equal(viaBouncer.statusCode, 200, `${url}: 200 through pgbouncer`, { body: viaBouncer.body.slice(0, 300) });
      t.equal(queriesOf(viaBouncer.headers['server-timing']), queries, `${url}: ${queries} queries`);
      t.same(viaBouncer.json(), viaServer.json(), `${url}: same body as a direct connection`);
    }
  });

  t.test('concurrently, so transactions share and swap server connections', async (t) => {
    const expected = new Map<string, unknown>();
    for (const [url] of CASES) expected.set(url, (await directApp.inject(url)).json());
    const rounds = 4;
    const urls = Array.from({ length: rounds }, () => CASES.map(([url]) => url)).flat();
    const responses = await Promise.all(urls.map((url) => pooledApp.inject(url)));
    const wrong = responses
      .map((response, i) => ({ url: urls[i], response }))
      .filter(({ url, response }) => response.statusCode !== 200 || JSON.stringify(response.json()) !== JSON.stringify(expected.get(url)))
      .map(({ url, response }) => `${url}: ${response.statusCode} ${response.body.slice(0, 200)}`);
    t.same(wrong, [], `${responses.length} concurrent requests all answered as on a direct connection`);
  });

  t.test('a keyset walk through the pooler visits every published article once', async (t) => {
    const seen = await walk(pooledApp, '/articles?sort=-pubDate&page[size]=5&include=tags');
    // Anonymous: the published ones (API.md §6).
    const all = await sql<{ id: number }>`select id from articles where is_published`.execute(direct.db);
    t.same([...seen].sort((a, b) => a - b), all.rows.map((r) => r.id).sort((a, b) => a - b));
  });

  t.test('no session state is left on the server connections', async (t) => {
    // Outside a transaction, each of these statements may land on any server connection.
    for (let i = 0; i < 6; i++) {
      const { rows } = await sql<{ timeout: string; isolation: string }>`
        select current_setting('statement_timeout') as timeout, current_setting('default_transaction_isolation') as isolation`.execute(pooled.db);
      t.same(rows[0], { timeout: '0', isolation: 'read committed' }, `statement ${i}: server defaults`);
    }
    const prepared = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(pooled.db);
    t.equal(prepared.rows[0].n, 0, 'no named prepared statement on the server connection');
  });
}

/** Follows links.next to the end; returns the ids in order. */
async function walk(app: FastifyInstance, first: string): Promise<number[]> {
  const ids: number[] = [];
  for (let url: string | null = first, pages = 0; url && pages < 50; pages++) {
    const response: { statusCode: number; body: string; json(): any } = await app.inject(url);
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    const body: { data: Array<{ id: number }>; links: { next: string | null } } = response.json();
    ids.push(...body.data.map((row) => row.id));
    url = body.links.next;
  }
  return ids;
}
