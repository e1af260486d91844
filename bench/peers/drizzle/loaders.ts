/**
 * The benchmark scenarios through Drizzle's relational queries
 * (`db.query.x.findMany({ with })`), written as a Drizzle user would: per-parent
 * limits are `limit` inside `with`, and the only reshaping is turning the
 * article_tags junction rows into a `tags` list.
 */
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { toPage, type ScenarioLoaders } from '../../lib/bench-server.js';
import * as schema from './schema.js';

type Db = NodePgDatabase<typeof schema>;

// Tags are listed by name (API.md); the junction rows are ordered by their tag's name in SQL.
const tagsByName = {
  columns: {},
  with: { tag: true },
  orderBy: (at: { tagId: AnyColumn }, { asc }: { asc: (column: AnyColumn) => SQL }) => [
    sql`(select t.name from tags t where t.id = ${at.tagId})`,
    asc(at.tagId),
  ],
} as const;

/** Replaces the junction rows by the tags themselves, keeping every other key in place. */
function withTags<T extends object>(article: T): object {
  const { articleTags, ...rest } = article as T & { articleTags: { tag: unknown }[] };
  return { ...rest, tags: articleTags.map((link) => link.tag) };
}

/** The Drizzle implementation of every benchmark scenario. */
export function drizzleLoaders(db: Db): ScenarioLoaders {
  return {
    articles: {
      'author,category,tags,comments:recent5': async (pageSize) => {
        const rows = await db.query.articles.findMany({
          orderBy: (a, { asc }) => [asc(a.id)],
          limit: pageSize + 1,
          with: {
            author: true,
            category: true,
            articleTags: tagsByName,
            comments: { orderBy: (c, { desc }) => [desc(c.createdAt), desc(c.id)], limit: 5 },
          },
        });
        const { items, nextAfterId } = toPage(rows, pageSize);
        return { data: items.map(withTags), nextAfterId };
      },
      tags: async (pageSize) => {
        const rows = await db.query.articles.findMany({
          orderBy: (a, { asc }) => [asc(a.id)],
          limit: pageSize + 1,
          with: { articleTags: tagsByName },
        });
        const { items, nextAfterId } = toPage(rows, pageSize);
        return { data: items.map(withTags), nextAfterId };
      },
      'author.articles:recent5': async (pageSize) => {
        const rows = await db.query.articles.findMany({
          orderBy: (a, { asc }) => [asc(a.id)],
          limit: pageSize + 1,
          with: {
            author: {
              with: {
                articles: {
                  where: (a, { eq }) => eq(a.isPublished, true),
                  orderBy: (a, { desc }) => [sql`${a.pubDate} desc nulls last`, desc(a.id)],
                  limit: 5,
                },
              },
            },
          },
        });
        return toPageResult(rows, pageSize);
      },
    },
    authors: {
      'articles.comments': async (pageSize) => {
        const rows = await db.query.authors.findMany({
          orderBy: (a, { asc }) => [asc(a.id)],
          limit: pageSize + 1,
          with: {
            articles: {
              orderBy: (a, { asc }) => [asc(a.id)],
              with: { comments: { orderBy: (c, { asc }) => [asc(c.createdAt), asc(c.id)] } },
            },
          },
        });
        return toPageResult(rows, pageSize);
      },
    },
  };
}

function toPageResult<T extends { id: number }>(rows: T[], pageSize: number) {
  const { items, nextAfterId } = toPage(rows, pageSize);
  return { data: items, nextAfterId };
}
