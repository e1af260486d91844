/**
 * The benchmark scenarios through loom's ORM the way code reads when nobody
 * asks for select_related / prefetch_related: the page is one query, then every
 * relation of every row is loaded on touch (fetch mode 'one'), one query per
 * row and relation — the N+1 that prefetching exists to remove.
 */
import type { Database } from '../../src/db/database.js';
import { load, type ModelInstance, Session } from '../../src/orm/index.js';
import { Article, Author } from '../../src/models/index.js';
import { toPage, type ScenarioLoaders } from '../lib/bench-server.js';
import { instanceJson } from '../lib/instance-json.js';
import type { JsonObject } from '../lib/resource-fields.js';

type Row = ModelInstance & Record<string, any>;

const list = (resource: 'tags' | 'comments' | 'articles', rows: Iterable<unknown>) =>
  [...rows].map((row) => instanceJson(resource, row as object));

/** The first page, on a session of its own: the lazy loads of its rows run through it too. */
async function firstPage(database: Database, model: typeof Article | typeof Author, pageSize: number) {
  const rows = (await model.objects.using(new Session(database)).orderBy('id').slice(0, pageSize + 1)) as Row[];
  return toPage(rows as (Row & { id: number })[], pageSize);
}

/** The five newest published articles of an author: a fresh query per author. */
async function recentPublished(author: Row): Promise<JsonObject[]> {
  return list('articles', await author.articles.filter({ isPublished: true }).orderBy('-pubDate', '-id').slice(0, 5));
}

/** The naive (N+1) implementation of every benchmark scenario. */
export function naiveLoaders(database: Database): ScenarioLoaders {
  return {
    articles: {
      'author,category,tags,comments:recent5': async (pageSize) => {
        const { items, nextAfterId } = await firstPage(database, Article, pageSize);
        const data = [];
        for (const article of items) {
          const json = instanceJson('articles', article);
          json.author = instanceJson('authors', (await load(article, 'author')) as Row);
          const category = (await load(article, 'category')) as Row | null;
          json.category = category && instanceJson('categories', category);
          json.tags = list('tags', (await load(article, 'tags')) as Row[]);
          json.comments = list('comments', await article.comments.orderBy('-createdAt', '-id').slice(0, 5));
          data.push(json);
        }
        return { data, nextAfterId };
      },
      tags: async (pageSize) => {
        const { items, nextAfterId } = await firstPage(database, Article, pageSize);
        const data = [];
        for (const article of items) {
          data.push({ ...instanceJson('articles', article), tags: list('tags', (await load(article, 'tags')) as Row[]) });
        }
        return { data, nextAfterId };
      },
      'author.articles:recent5': async (pageSize) => {
        const { items, nextAfterId } = await firstPage(database, Article, pageSize);
        const data = [];
        for (const article of items) {
          const author = (await load(article, 'author')) as Row;
          const authorJson = { ...instanceJson('authors', author), articles: await recentPublished(author) };
          data.push({ ...instanceJson('articles', article), author: authorJson });
        }
        return { data, nextAfterId };
      },
    },
    authors: {
      'articles.comments': async (pageSize) => {
        const { items, nextAfterId } = await firstPage(database, Author, pageSize);
        const data = [];
        for (const author of items) {
          const articles = [];
          for (const article of (await load(author, 'articles')) as Row[]) {
            articles.push({ ...instanceJson('articles', article), comments: list('comments', (await load(article, 'comments')) as Row[]) });
          }
          data.push({ ...instanceJson('authors', author), articles });
        }
        return { data, nextAfterId };
      },
    },
  };
}
