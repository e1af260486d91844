/**
 * `npm run bench -- --skew`: the hot requests of a skewed data set (one author
 * with 50,000 articles, one article with 20,000 comments, one tag on 30,000
 * articles; `npm run seed -- --scale 10 --skew`), loom against hand-written
 * LATERAL SQL, and page 200 of an indexed sort against page 1.
 *
 * For each request loom runs over HTTP with EXPLAIN_ENABLED, which gives the
 * statements it ran with their parameters; those are replayed on one
 * connection and timed (median of ROUNDS), as is the hand-written SQL for the
 * same answer. The ratio compares SQL with SQL. EXPLAIN ANALYZE plans of both
 * sides are saved beside the results (bench/results/skew-plans.md).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { cursorBinding, encodeCursor } from '../../src/routes/cursor.js';
import type { ChildServer } from '../lib/child-server.js';
import { startChildServer } from '../lib/child-server.js';

const ROUNDS = 25;

type Statement = { text: string; values: unknown[] };
/** Runs the hand-written statements of one request on `client`. */
type HandWritten = (client: pg.Client) => Promise<unknown>;

interface HotRequest {
  name: string;
  path: string;
  hand: HandWritten;
}

const ARTICLE = 'id, author_id, category_id, title, body, is_published, pub_date, created_at';
const COMMENT = 'id, article_id, author_id, body, created_at';
const ids = (rows: { id: number }[]) => rows.map((row) => Number(row.id));

const recentArticles = (client: pg.Client, authorIds: number[]) =>
  client.query(`select p.key, a.* from unnest($1::bigint[]) as p(key) cross join lateral (
      select ${ARTICLE} from articles where author_id = p.key and is_published order by pub_date desc nulls last, id desc limit 5) a`, [authorIds]);
const recentComments = (client: pg.Client, articleIds: number[]) =>
  client.query(`select p.key, c.* from unnest($1::bigint[]) as p(key) cross join lateral (
      select ${COMMENT} from comments where article_id = p.key order by created_at desc, id desc limit 5) c`, [articleIds]);

function hotRequests(page200Cursor: string, page200: { pubDate: Date; id: number }): HotRequest[] {
  const sortedPage = (where: string, values: unknown[]) => (client: pg.Client) =>
    client.query(`select a.*, au.*, ca.* from (select ${ARTICLE} from articles ${where} order by pub_date desc nulls last, id limit 21) a
       join authors au on au.id = a.author_id left join categories ca on ca.id = a.category_id order by a.pub_date desc nulls last, a.id`, values);
  return [
    {
      name: 'hot author: /authors/1?include=articles:recent5.comments:recent5',
      path: '/authors/1?include=articles%3Arecent5.comments%3Arecent5',
      hand: async (client) => {
        await client.query('select * from authors where id = $1', [1]);
        const articles = await recentArticles(client, [1]);
        await recentComments(client, ids(articles.rows));
      },
    },
    {
      name: 'hot article: /articles/1?include=comments:recent5',
      path: '/articles/1?include=comments%3Arecent5',
      hand: async (client) => {
        await client.query(`select ${ARTICLE} from articles where id = $1`, [1]);
        await recentComments(client, [1]);
      },
    },
    {
      name: 'authors by -id: /authors?sort=-id&include=articles:recent5',
      path: '/authors?sort=-id&include=articles%3Arecent5',
      hand: async (client) => {
        const authors = await client.query('select * from authors order by id desc limit 21', []);
        await recentArticles(client, ids(authors.rows).slice(0, 20));
      },
    },
    {
      name: 'hot tag: /tags/1?include=articles:recent5',
      path: '/tags/1?include=articles%3Arecent5',
      hand: async (client) => {
        await client.query('select * from tags where id = $1', [1]);
        await client.query(`select p.key, a.* from unnest($1::bigint[]) as p(key) cross join lateral (
            select a.* from article_tags at join articles a on a.id = at.article_id
             where at.tag_id = p.key and a.is_published order by a.pub_date desc nulls last, a.id desc limit 5) a`, [[1]]);
      },
    },
    {
      name: "hot author's articles: /articles?filter[authorId]=1&sort=-pubDate&include=comments:recent5",
      path: '/articles?filter%5BauthorId%5D=1&sort=-pubDate&include=comments%3Arecent5',
      hand: async (client) => {
        const articles = await client.query(`select ${ARTICLE} from articles where author_id = $1 order by pub_date desc nulls last, id limit 21`, [1]);
        await recentComments(client, ids(articles.rows).slice(0, 20));
      },
    },
    {
      name: 'page 1: /articles?sort=-pubDate&include=author,category',
      path: '/articles?sort=-pubDate&include=author%2Ccategory',
      hand: sortedPage('', []),
    },
    {
      name: 'page 200: /articles?sort=-pubDate&include=author,category&page[after]=…',
      path: `/articles?sort=-pubDate&include=author%2Ccategory&page%5Bafter%5D=${page200Cursor}`,
      hand: sortedPage('where pub_date <= $1 and (pub_date < $1 or id > $2)', [page200.pubDate, page200.id]),
    },
  ];
}

/** The statements loom ran for `path`, from its EXPLAIN answer. */
async function loomStatements(server: ChildServer, path: string): Promise<{ statements: Statement[]; plans: unknown[] }> {
  const response = await fetch(server.baseUrl + path, { headers: { accept: 'application/vnd.loom.plan+json' } });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  const { plans } = (await response.json()) as { plans: { sql: string; parameters: unknown[]; plan: unknown }[] };
  return { statements: plans.map((p) => ({ text: p.sql, values: p.parameters })), plans: plans.map((p) => p.plan) };
}

/**
 * Median of what each of `measures` returns (milliseconds), run in interleaved
 * rounds (after three warm-up rounds) so that a burst of noise on the shared
 * machine hits all alike.
 */
async function interleavedMedians(rounds: number, measures: (() => Promise<number>)[]): Promise<number[]> {
  const times: number[][] = measures.map(() => []);
  for (let round = -3; round < rounds; round++) {
    for (let i = 0; i < measures.length; i++) {
      const ms = await measures[i]();
      if (round >= 0) times[i].push(ms);
    }
  }
  return times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]);
}

/** The wall time of `fn` (ms): a round trip as the client sees it. */
const wall = (fn: () => Promise<unknown>) => async () => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

/**
 * The server's own time for `statements` (ms): planning plus execution, from
 * EXPLAIN (ANALYZE, TIMING OFF), without the network, the client's parsing or
 * the scheduling noise of a loaded machine that dominate a sub-millisecond
 * round trip. Node timing is off, so the instrumentation costs little.
 */
async function serverMs(client: pg.Client, statements: Statement[]): Promise<number> {
  let total = 0;
  for (const { text, values } of statements) {
    const { rows } = await client.query(`explain (analyze, timing off, summary on, format json) ${text}`, values);
    const [plan] = rows[0]['QUERY PLAN'] as { 'Planning Time': number; 'Execution Time': number }[];
    total += plan['Planning Time'] + plan['Execution Time'];
  }
  return total;
}

/** Records the statements `hand` runs, for EXPLAIN. */
async function recordStatements(client: pg.Client, hand: HandWritten): Promise<Statement[]> {
  const recorded: Statement[] = [];
  const recorder = { query: async (text: string, values: unknown[]) => { recorded.push({ text, values }); return client.query(text, values); } };
  await hand(recorder as unknown as pg.Client);
  return recorded;
}

async function explain(client: pg.Client, statements: Statement[]): Promise<string> {
  const parts: string[] = [];
  for (const { text, values } of statements) {
    const { rows } = await client.query(`explain (analyze, buffers, costs off) ${text}`, values);
    parts.push(`${text.replace(/\s+/g, ' ')}\n\n${rows.map((row) => row['QUERY PLAN']).join('\n')}`);
  }
  return parts.map((part) => `\`\`\`\n${part}\n\`\`\``).join('\n\n');
}

export async function runSkewBench(url: string, root: string, log: (line: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const loadBefore = loadavg()[0];
  const offset = 199 * 20 - 1;
  const { rows } = await client.query(`select pub_date, id from articles order by pub_date desc nulls last, id offset ${offset} limit 1`);
  const page200 = { pubDate: rows[0].pub_date as Date, id: Number(rows[0].id) };
  const ordering = [{ field: 'pubDate', descending: true }, { field: 'id', descending: false }];
  const cursor = encodeCursor(cursorBinding('articles', ordering, []), [page200.pubDate, page200.id]);
  log('starting loom with EXPLAIN_ENABLED');
  const server = await startChildServer({
    name: 'loom', entry: 'src/server.ts', cwd: root, readyPath: '/authors?page%5Bsize%5D=1',
    env: { DATABASE_URL: url, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', EXPLAIN_ENABLED: 'true' },
  });
  const results: {
    name: string; loomSqlMs: number; handSqlMs: number; ratio: number; loomServerMs: number; handServerMs: number; serverRatio: number;
    loomHttpMs: number; statements: number;
  }[] = [];
  const plans: string[] = [];
  try {
    for (const request of hotRequests(cursor, page200)) {
      log(request.name);
      const loom = await loomStatements(server, request.path);
      const hand = await recordStatements(client, request.hand);
      const [loomSqlMs, handSqlMs, loomServerMs, handServerMs, loomHttpMs] = await interleavedMedians(ROUNDS, [
        wall(async () => { for (const s of loom.statements) await client.query(s.text, s.values); }),
        wall(() => request.hand(client)),
        () => serverMs(client, loom.statements),
        () => serverMs(client, hand),
        wall(async () => { const r = await fetch(server.baseUrl + request.path); await r.arrayBuffer(); }),
      ]);
      results.push({
        name: request.name, loomSqlMs, handSqlMs, ratio: loomSqlMs / handSqlMs, loomServerMs, handServerMs, serverRatio: loomServerMs / handServerMs,
        loomHttpMs, statements: loom.statements.length,
      });
      plans.push(`## ${request.name}\n\n### loom\n\n${await explain(client, loom.statements)}\n\n### hand-written\n\n${await explain(client, hand)}\n`);
    }
  } finally {
    await server.stop();
    await client.end();
  }
  const load = `${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)}`;
  const page1 = results.find((r) => r.name.startsWith('page 1:'))!;
  const deep = results.find((r) => r.name.startsWith('page 200:'))!;
  const lines = [
    `# Skew benchmark (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load ${load}, median of ${ROUNDS})`,
    '',
    'loom\'s own statements (from its EXPLAIN answer) replayed on one connection vs hand-written LATERAL SQL for the same answer. Target: loom within 2× hand-written.',
    '- round trip: the statements\' wall time as a client sees it (network, parsing and the machine\'s scheduling included);',
    '- server: planning + execution as PostgreSQL reports them (EXPLAIN ANALYZE, timing off): the cost of the SQL itself.',
    '',
    '| request | statements | loom round trip ms | hand round trip ms | loom / hand | loom server ms | hand server ms | loom / hand (server) | loom HTTP ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) =>
      `| ${r.name} | ${r.statements} | ${r.loomSqlMs.toFixed(2)} | ${r.handSqlMs.toFixed(2)} | ${r.ratio.toFixed(2)}× | ${r.loomServerMs.toFixed(3)} | ${r.handServerMs.toFixed(3)} | ${r.serverRatio.toFixed(2)}× | ${r.loomHttpMs.toFixed(2)} |`),
    '',
    `Page 200 / page 1 of sort=-pubDate (target ≤ 1.5×): round trip ${(deep.loomSqlMs / page1.loomSqlMs).toFixed(2)}×, server ${(deep.loomServerMs / page1.loomServerMs).toFixed(2)}×, HTTP ${(deep.loomHttpMs / page1.loomHttpMs).toFixed(2)}×.`,
    '',
  ];
  const out = join(root, 'bench', 'results');
  writeFileSync(join(out, 'skew.md'), lines.join('\n'));
  writeFileSync(join(out, 'skew.json'), `${JSON.stringify({ load, rounds: ROUNDS, results }, null, 2)}\n`);
  writeFileSync(join(out, 'skew-plans.md'), `# EXPLAIN ANALYZE of the skew benchmark's requests\n\n${plans.join('\n')}`);
  log('wrote bench/results/skew.{md,json} and skew-plans.md');
  process.stdout.write(lines.join('\n'));
}
