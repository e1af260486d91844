import type pg from 'pg';
import { toPage, type LoadedPage, type ScenarioLoaders } from '../lib/bench-server.js';
import type { JsonObject } from '../lib/resource-fields.js';
import * as windowQueries from './queries.js';

/** The statements a hand-written implementation runs: this folder's, or bench/raw's prepared LATERAL ones. */
export type HandWrittenQueries = Pick<
  typeof windowQueries,
  'articlePage' | 'authorPage' | 'tagsByArticle' | 'commentsByArticle' | 'recentCommentsByArticle' | 'articlesByAuthor' | 'recentPublishedByAuthor' | 'attach' | 'distinct'
>;

function page(rows: JsonObject[], pageSize: number): { items: JsonObject[]; done: (data: JsonObject[]) => LoadedPage } {
  const { items, nextAfterId } = toPage(rows, pageSize);
  return { items, done: (data) => ({ data, nextAfterId }) };
}

/**
 * A hand-written implementation of every benchmark scenario (pageSize + 1 rows
 * tell whether a next page exists); independent to-many queries run concurrently.
 */
export function rawLoaders(pool: pg.Pool, q: HandWrittenQueries = windowQueries): ScenarioLoaders {
  return {
    articles: {
      'author,category,tags,comments:recent5': async (pageSize) => {
        const { items, done } = page(await q.articlePage(pool, pageSize + 1, { author: true, category: true }), pageSize);
        const ids = items.map((a) => a.id);
        const [tags, comments] = await Promise.all([q.tagsByArticle(pool, ids), q.recentCommentsByArticle(pool, ids, 5)]);
        q.attach(items, 'tags', tags);
        q.attach(items, 'comments', comments);
        return done(items);
      },
      tags: async (pageSize) => {
        const { items, done } = page(await q.articlePage(pool, pageSize + 1, {}), pageSize);
        q.attach(items, 'tags', await q.tagsByArticle(pool, items.map((a) => a.id)));
        return done(items);
      },
      'author.articles:recent5': async (pageSize) => {
        const { items, done } = page(await q.articlePage(pool, pageSize + 1, { author: true }), pageSize);
        const authors = items.map((a) => a.author as JsonObject);
        const recent = await q.recentPublishedByAuthor(pool, q.distinct(authors.map((a) => a.id)), 5);
        q.attach(authors, 'articles', recent);
        return done(items);
      },
    },
    authors: {
      'articles.comments': async (pageSize) => {
        const { items, done } = page(await q.authorPage(pool, pageSize + 1), pageSize);
        const articles = await q.articlesByAuthor(pool, items.map((a) => a.id));
        q.attach(items, 'articles', articles);
        const allArticles = [...articles.values()].flat();
        q.attach(allArticles, 'comments', await q.commentsByArticle(pool, allArticles.map((a) => a.id)));
        return done(items);
      },
    },
  };
}
