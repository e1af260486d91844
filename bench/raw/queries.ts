/**
 * The strongest hand-written SQL for the benchmark scenarios, the baseline an
 * ORM is measured against (issue 12): every statement is a named prepared
 * statement (parsed and planned once per connection), rows come back as
 * arrays (`rowMode: 'array'`: no per-row object built by pg), per-parent
 * limits are a LATERAL top-k over an index in the slice's order, and the
 * caller runs independent to-many queries concurrently. `bench/raw-window/`
 * keeps the first baseline (ROW_NUMBER() windows, unprepared statements).
 */
import type pg from 'pg';
import { RESOURCE_FIELDS, type FieldResource, type JsonObject } from '../lib/resource-fields.js';

type Row = unknown[];

/** `alias.col, ...` of a resource, in RESOURCE_FIELDS order. */
const columns = (resource: FieldResource, alias: string) => RESOURCE_FIELDS[resource].map(([, column]) => `${alias}.${column}`).join(', ');

/** Builds the API object of `resource` from `row[offset..]`. */
function arrayMapper(resource: FieldResource): (row: Row, offset: number) => JsonObject {
  const names = RESOURCE_FIELDS[resource].map(([json]) => json);
  return (row, offset) => {
    const object: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) object[names[i]] = row[offset + i];
    return object as JsonObject;
  };
}

const toArticle = arrayMapper('articles');
const toAuthor = arrayMapper('authors');
const toCategory = arrayMapper('categories');
const toTag = arrayMapper('tags');
const toComment = arrayMapper('comments');
const ARTICLE_WIDTH = RESOURCE_FIELDS.articles.length;
const AUTHOR_WIDTH = RESOURCE_FIELDS.authors.length;

async function run(pool: pg.Pool, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const { rows } = await pool.query({ name, text, values, rowMode: 'array' });
  return rows as Row[];
}

const ARTICLES_WITH_AUTHOR_CATEGORY = `select ${columns('articles', 'a')}, ${columns('authors', 'au')}, ${columns('categories', 'ca')}
  from (select * from articles order by id limit $1) a
  join authors au on au.id = a.author_id left join categories ca on ca.id = a.category_id order by a.id`;
const ARTICLES_WITH_AUTHOR = `select ${columns('articles', 'a')}, ${columns('authors', 'au')}
  from (select * from articles order by id limit $1) a join authors au on au.id = a.author_id order by a.id`;
const ARTICLES = `select ${columns('articles', 'a')} from articles a order by a.id limit $1`;
const AUTHORS = `select ${columns('authors', 'au')} from authors au order by au.id limit $1`;

/** The first `limit` articles by id, the page taken before the author and category are joined. */
export async function articlePage(pool: pg.Pool, limit: number, join: { author?: boolean; category?: boolean }): Promise<JsonObject[]> {
  if (join.author && join.category) {
    const rows = await run(pool, 'raw_articles_author_category', ARTICLES_WITH_AUTHOR_CATEGORY, [limit]);
    return rows.map((row) => {
      const article = toArticle(row, 0);
      article.author = toAuthor(row, ARTICLE_WIDTH);
      article.category = row[ARTICLE_WIDTH + AUTHOR_WIDTH] === null ? null : toCategory(row, ARTICLE_WIDTH + AUTHOR_WIDTH);
      return article;
    });
  }
  if (join.author) {
    const rows = await run(pool, 'raw_articles_author', ARTICLES_WITH_AUTHOR, [limit]);
    return rows.map((row) => {
      const article = toArticle(row, 0);
      article.author = toAuthor(row, ARTICLE_WIDTH);
      return article;
    });
  }
  return (await run(pool, 'raw_articles', ARTICLES, [limit])).map((row) => toArticle(row, 0));
}

/** The first `limit` authors by id. */
export async function authorPage(pool: pg.Pool, limit: number): Promise<JsonObject[]> {
  return (await run(pool, 'raw_authors', AUTHORS, [limit])).map((row) => toAuthor(row, 0));
}

const TAGS_BY_ARTICLE = `select at.article_id, ${columns('tags', 't')}
  from article_tags at join tags t on t.id = at.tag_id where at.article_id = any($1::bigint[]) order by t.name, t.id`;
const COMMENTS_BY_ARTICLE = `select c.article_id as parent_id, ${columns('comments', 'c')}
  from comments c where c.article_id = any($1::bigint[]) order by c.created_at, c.id`;
const RECENT_COMMENTS = `select p.key, ${columns('comments', 'c')}
  from unnest($1::bigint[]) as p(key) cross join lateral (
    select * from comments where article_id = p.key order by created_at desc, id desc limit $2) c`;
const ARTICLES_BY_AUTHOR = `select a.author_id as parent_id, ${columns('articles', 'a')}
  from articles a where a.author_id = any($1::bigint[]) order by a.id`;
const RECENT_PUBLISHED = `select p.key, ${columns('articles', 'a')}
  from unnest($1::bigint[]) as p(key) cross join lateral (
    select * from articles where author_id = p.key and is_published order by pub_date desc nulls last, id desc limit $2) a`;

/** Tags of each article, by name. */
export const tagsByArticle = (pool: pg.Pool, ids: number[]) => grouped(pool, 'raw_tags_by_article', TAGS_BY_ARTICLE, ids, toTag);
/** All comments of each article, oldest first. */
export const commentsByArticle = (pool: pg.Pool, ids: number[]) => grouped(pool, 'raw_comments_by_article', COMMENTS_BY_ARTICLE, ids, toComment);
/** The `perParent` newest comments of each article: a LATERAL top-k per article. */
export const recentCommentsByArticle = (pool: pg.Pool, ids: number[], perParent: number) =>
  grouped(pool, 'raw_recent_comments', RECENT_COMMENTS, ids, toComment, [perParent]);
/** All articles of each author, by id. */
export const articlesByAuthor = (pool: pg.Pool, ids: number[]) => grouped(pool, 'raw_articles_by_author', ARTICLES_BY_AUTHOR, ids, toArticle);
/** The `perParent` newest published articles of each author (NULL pub_date last): a LATERAL top-k per author. */
export const recentPublishedByAuthor = (pool: pg.Pool, ids: number[], perParent: number) =>
  grouped(pool, 'raw_recent_published', RECENT_PUBLISHED, ids, toArticle, [perParent]);

/** Runs a to-many statement for a set of parents (first column: the parent key) and groups the rows, keeping SQL order. */
async function grouped(
  pool: pg.Pool,
  name: string,
  text: string,
  parentIds: number[],
  map: (row: Row, offset: number) => JsonObject,
  extra: unknown[] = [],
): Promise<Map<number, JsonObject[]>> {
  const groups = new Map<number, JsonObject[]>();
  if (parentIds.length === 0) return groups;
  const rows = await run(pool, name, text, [parentIds, ...extra]);
  for (const row of rows) {
    const parentId = row[0] as number;
    let group = groups.get(parentId);
    if (!group) groups.set(parentId, (group = []));
    group.push(map(row, 1));
  }
  return groups;
}

export { attach, distinct } from '../raw-window/queries.js';
