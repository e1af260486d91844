/**
 * Hand-written SQL for the counts scenario (issue 15), started by
 * bench/counts/run.ts: `GET /articles?count=comments,tags,reactions&sort=-counts.comments&page[size]=N`.
 * One statement, as an expert would write it for PostgreSQL: the sort key
 * from one grouped pass over comments (every article must be counted to find
 * the top N), the other two counts as correlated subqueries in the select
 * list, which PostgreSQL evaluates after the sort and LIMIT, for the page's rows only.
 */
import Fastify from 'fastify';
import { benchDatabaseUrl, listenBenchServer, toPage } from '../lib/bench-server.js';
import { createBenchPool } from '../lib/pool.js';
import { withQueryCount } from '../lib/query-counter.js';
import { rowMapper, selectColumns } from '../lib/resource-fields.js';



const SQL = `select ${selectColumns('articles', 'a')},
       coalesce(c.n, 0) as comments_count,
       (select count(*) from article_tags t where t.article_id = a.id) as tags_count,
       (select count(*) from reactions r where r.target_type = 'article' and r.target_id = a.id) as reactions_count
  from articles a
  left join (select article_id, count(*) as n from comments group by article_id) c on c.article_id = a.id
 order by comments_count desc, a.id
 limit $1`;

const toArticle = rowMapper('articles');
const pool = createBenchPool(benchDatabaseUrl());
const app = Fastify({ logger: false });
app.get('/articles', async (request, reply) => {
  const pageSize = Number((request.query as Record<string, string>)['page[size]'] ?? 20);
  const { result, queries } = await withQueryCount(async () => {
    const { rows } = await pool.query(SQL, [pageSize + 1]);
    return toPage(
      rows.map((row) => ({ ...toArticle(row), counts: { comments: row.comments_count, tags: row.tags_count, reactions: row.reactions_count } })),
      pageSize,
    );
  });
  reply.header('x-query-count', String(queries));
  // links.next is not compared (the service's cursor is opaque); the data is.
  return { data: result.items, links: { next: result.nextAfterId === null ? null : 'not compared' } };
});
app.addHook('onClose', () => pool.end());
await listenBenchServer(app);
