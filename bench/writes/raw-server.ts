/**
 * Hand-written SQL for the write scenario (bench/writes/run.ts): the same
 * transaction and the same statements as loom runs — insert the article,
 * link its tags, read the article with its author (a JOIN), read its tags
 * by name — with the same answer (201, Location, the object).
 */
import { benchDatabaseUrl } from '../lib/bench-server.js';
import { createBenchPool } from '../lib/pool.js';
import { rowMapper, selectColumns } from '../lib/resource-fields.js';
import { serveWrites } from './write-server.js';

const INSERT = `insert into articles (author_id, title, body, is_published) values ($1, $2, $3, $4) returning id`;
const LINK = `insert into article_tags (article_id, tag_id) select distinct $1::bigint, k from unnest($2::bigint[]) as k on conflict do nothing`;
const READ = `select ${selectColumns('articles', 'a')}, ${selectColumns('authors', 'u', 'u_')}
  from articles a join authors u on u.id = a.author_id where a.id = $1`;
const TAGS = `select ${selectColumns('tags', 't')} from tags t join article_tags at on at.tag_id = t.id where at.article_id = $1 order by t.name, t.id`;

const toArticle = rowMapper('articles');
const toAuthor = rowMapper('authors', 'u_');
const toTag = rowMapper('tags');
const pool = createBenchPool(benchDatabaseUrl());
await serveWrites(pool, async (data) => {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows: [{ id }] } = await client.query(INSERT, [data.authorId, data.title, data.body, data.isPublished]);
    await client.query(LINK, [id, data.tagIds]);
    const { rows: [row] } = await client.query(READ, [id]);
    const { rows: tags } = await client.query(TAGS, [id]);
    await client.query('commit');
    return { ...toArticle(row), author: toAuthor(row), tags: tags.map(toTag) };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
});
