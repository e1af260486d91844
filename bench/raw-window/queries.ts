/**
 * Hand-written SQL for the benchmark scenarios: the practical limit an ORM is
 * measured against. To-one relations are JOINed into the parent query, each
 * to-many relation is one query over `= any($1::bigint[])`, and per-parent
 * limits use a ROW_NUMBER() window; rows are stitched to parents in memory.
 */
import type pg from 'pg';
import { rowMapper, selectColumns, type JsonObject } from '../lib/resource-fields.js';

type Row = Record<string, unknown>;

const toArticle = rowMapper('articles');
const toAuthor = rowMapper('authors');
const toJoinedAuthor = rowMapper('authors', 'au_');
const toJoinedCategory = rowMapper('categories', 'ca_');
const toTag = rowMapper('tags');
const toComment = rowMapper('comments');

/** The first `limit` articles by id, with the author and/or category JOINed in. */
export async function articlePage(pool: pg.Pool, limit: number, join: { author?: boolean; category?: boolean }): Promise<JsonObject[]> {
  const columns = [selectColumns('articles', 'a')];
  let joins = '';
  if (join.author) {
    columns.push(selectColumns('authors', 'au', 'au_'));
    joins += ' join authors au on au.id = a.author_id';
  }
  if (join.category) {
    columns.push(selectColumns('categories', 'ca', 'ca_'));
    joins += ' left join categories ca on ca.id = a.category_id';
  }
  const { rows } = await pool.query(`select ${columns.join(', ')} from articles a${joins} order by a.id limit $1`, [limit]);
  return rows.map((row: Row) => {
    const article = toArticle(row);
    if (join.author) article.author = toJoinedAuthor(row);
    if (join.category) article.category = row.ca_id === null ? null : toJoinedCategory(row);
    return article;
  });
}

/** The first `limit` authors by id. */
export async function authorPage(pool: pg.Pool, limit: number): Promise<JsonObject[]> {
  const { rows } = await pool.query(`select ${selectColumns('authors', 'au')} from authors au order by au.id limit $1`, [limit]);
  return rows.map(toAuthor);
}

/** Tags of each article, by name. */
export function tagsByArticle(pool: pg.Pool, articleIds: number[]): Promise<Map<number, JsonObject[]>> {
  return grouped(
    pool,
    `select at.article_id as parent_id, ${selectColumns('tags', 't')}
       from article_tags at join tags t on t.id = at.tag_id
      where at.article_id = any($1::bigint[]) order by t.name, t.id`,
    articleIds,
    toTag,
  );
}

/** All comments of each article, oldest first. */
export function commentsByArticle(pool: pg.Pool, articleIds: number[]): Promise<Map<number, JsonObject[]>> {
  return grouped(
    pool,
    `select c.article_id as parent_id, ${selectColumns('comments', 'c')}
       from comments c where c.article_id = any($1::bigint[]) order by c.created_at, c.id`,
    articleIds,
    toComment,
  );
}

/** The `perParent` newest comments of each article. */
export function recentCommentsByArticle(pool: pg.Pool, articleIds: number[], perParent: number): Promise<Map<number, JsonObject[]>> {
  return grouped(
    pool,
    `select * from (
       select c.article_id as parent_id, ${selectColumns('comments', 'c')},
              row_number() over (partition by c.article_id order by c.created_at desc, c.id desc) as rn
         from comments c where c.article_id = any($1::bigint[])
     ) ranked where rn <= $2 order by parent_id, created_at desc, id desc`,
    articleIds,
    toComment,
    [perParent],
  );
}

/** All articles of each author, by id. */
export function articlesByAuthor(pool: pg.Pool, authorIds: number[]): Promise<Map<number, JsonObject[]>> {
  return grouped(
    pool,
    `select a.author_id as parent_id, ${selectColumns('articles', 'a')}
       from articles a where a.author_id = any($1::bigint[]) order by a.id`,
    authorIds,
    toArticle,
  );
}

/** The `perParent` newest published articles of each author (NULL pub_date last). */
export function recentPublishedByAuthor(pool: pg.Pool, authorIds: number[], perParent: number): Promise<Map<number, JsonObject[]>> {
  return grouped(
    pool,
    `select * from (
       select a.author_id as parent_id, ${selectColumns('articles', 'a')},
              row_number() over (partition by a.author_id order by a.pub_date desc nulls last, a.id desc) as rn
         from articles a where a.author_id = any($1::bigint[]) and a.is_published
     ) ranked where rn <= $2 order by parent_id, pub_date desc nulls last, id desc`,
    authorIds,
    toArticle,
    [perParent],
  );
}

/** Runs a to-many query for a set of parents and groups the mapped rows by `parent_id`, keeping SQL order. */
async function grouped(
  pool: pg.Pool,
  text: string,
  parentIds: number[],
  map: (row: Row) => JsonObject,
  extra: unknown[] = [],
): Promise<Map<number, JsonObject[]>> {
  const groups = new Map<number, JsonObject[]>();
  // As Django does, an empty parent set runs no query.
  if (parentIds.length === 0) return groups;
  const { rows } = await pool.query(text, [parentIds, ...extra]);
  for (const row of rows as Row[]) {
    const parentId = row.parent_id as number;
    let group = groups.get(parentId);
    if (!group) groups.set(parentId, (group = []));
    group.push(map(row));
  }
  return groups;
}

/** Attaches `groups` to each parent under `name` (an empty list when a parent has none). */
export function attach(parents: JsonObject[], name: string, groups: Map<number, JsonObject[]>, key: (parent: JsonObject) => number = (p) => p.id): void {
  for (const parent of parents) parent[name] = groups.get(key(parent)) ?? [];
}

/** Distinct values, for parent id arrays. */
export function distinct(values: number[]): number[] {
  return [...new Set(values)];
}
