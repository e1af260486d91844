/**
 * Kysely's own JSON helpers as a peer: one statement per request, to-one
 * relations as `jsonObjectFrom` and to-many as `jsonArrayFrom` subqueries
 * (correlated, so PostgreSQL runs each per parent like a LATERAL top-k), the
 * whole tree assembled by the database as JSON. Nested timestamps come back as
 * JSON text, so they are formatted as the API's ISO strings in SQL.
 */
import { type Expression, type Kysely, sql } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import { toPage, type ScenarioLoaders } from '../../lib/bench-server.js';
import { RESOURCE_FIELDS, type FieldResource, type JsonObject } from '../../lib/resource-fields.js';

const TIMESTAMPS = new Set(['created_at', 'pub_date']);

/** `alias.column as jsonName` for every field; nested (JSON) timestamps as ISO text. */
function fields(resource: FieldResource, alias: string, nested: boolean) {
  return RESOURCE_FIELDS[resource].map(([json, column]) => {
    const ref = sql.ref(`${alias}.${column}`);
    if (nested && TIMESTAMPS.has(column)) return sql`to_char(${ref} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`.as(json);
    return ref.as(json);
  });
}

type Db = Kysely<any>;

const author = (db: Db, fk: Expression<unknown>) => jsonObjectFrom(db.selectFrom('authors as au').select(fields('authors', 'au', true)).whereRef('au.id', '=', fk as any));
const tags = (db: Db, articleId: Expression<unknown>) =>
  jsonArrayFrom(
    db.selectFrom('article_tags as at').innerJoin('tags as t', 't.id', 'at.tag_id').select(fields('tags', 't', true))
      .whereRef('at.article_id', '=', articleId as any).orderBy('t.name').orderBy('t.id'),
  );

function page(rows: JsonObject[], pageSize: number) {
  const { items, nextAfterId } = toPage(rows, pageSize);
  return { data: items, nextAfterId };
}

export function kyselyJsonLoaders(db: Db): ScenarioLoaders {
  return {
    articles: {
      'author,category,tags,comments:recent5': async (pageSize) => {
        const rows = await db.selectFrom('articles as a').select(fields('articles', 'a', false)).select((eb) => [
          author(db, eb.ref('a.author_id')).as('author'),
          jsonObjectFrom(db.selectFrom('categories as ca').select(fields('categories', 'ca', true)).whereRef('ca.id', '=', 'a.category_id')).as('category'),
          tags(db, eb.ref('a.id')).as('tags'),
          jsonArrayFrom(
            db.selectFrom('comments as c').select(fields('comments', 'c', true)).whereRef('c.article_id', '=', 'a.id')
              .orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(5),
          ).as('comments'),
        ]).orderBy('a.id').limit(pageSize + 1).execute();
        return page(rows as JsonObject[], pageSize);
      },
      tags: async (pageSize) => {
        const rows = await db.selectFrom('articles as a').select(fields('articles', 'a', false)).select((eb) => [tags(db, eb.ref('a.id')).as('tags')])
          .orderBy('a.id').limit(pageSize + 1).execute();
        return page(rows as JsonObject[], pageSize);
      },
      'author.articles:recent5': async (pageSize) => {
        const rows = await db.selectFrom('articles as a').select(fields('articles', 'a', false)).select(() => [
          jsonObjectFrom(
            db.selectFrom('authors as au').select(fields('authors', 'au', true)).select(() => [
              jsonArrayFrom(
                db.selectFrom('articles as r').select(fields('articles', 'r', true)).whereRef('r.author_id', '=', 'au.id').where('r.is_published', '=', true)
                  .orderBy(sql`r.pub_date desc nulls last`).orderBy('r.id', 'desc').limit(5),
              ).as('articles'),
            ]).whereRef('au.id', '=', 'a.author_id'),
          ).as('author'),
        ]).orderBy('a.id').limit(pageSize + 1).execute();
        return page(rows as JsonObject[], pageSize);
      },
    },
    authors: {
      'articles.comments': async (pageSize) => {
        const rows = await db.selectFrom('authors as au').select(fields('authors', 'au', false)).select(() => [
          jsonArrayFrom(
            db.selectFrom('articles as a').select(fields('articles', 'a', true)).select(() => [
              jsonArrayFrom(
                db.selectFrom('comments as c').select(fields('comments', 'c', true)).whereRef('c.article_id', '=', 'a.id').orderBy('c.created_at').orderBy('c.id'),
              ).as('comments'),
            ]).whereRef('a.author_id', '=', 'au.id').orderBy('a.id'),
          ).as('articles'),
        ]).orderBy('au.id').limit(pageSize + 1).execute();
        return page(rows as JsonObject[], pageSize);
      },
    },
  };
}
