/**
 * Keyset pages in index-bounded form (src/routes/keyset.ts) walk every row
 * exactly once, in the sort's order, NULLs last in both directions, for sorts
 * whose keys share a direction (row-value comparisons), differ (bounded
 * forms) or can be NULL (a NULL segment of their own), at several page sizes.
 * The expected order is computed here by brute force, not by the API.
 */
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { issueToken } from '../../src/auth/tokens.js';
import { Q } from '../../src/orm/index.js';
import { keysetSegments } from '../../src/routes/keyset.js';
import { Article } from '../../src/models/index.js';
import { eachDatabase } from '../helpers/databases.js';

interface ArticleRow { id: number; categoryId: number | null; pubDate: number | null; title: string }

const ROWS: ArticleRow[] = Array.from({ length: 23 }, (_, i) => {
  const id = i + 1;
  return {
    id,
    // few distinct values: ties everywhere; every fourth article unpublished (NULL pubDate)
    pubDate: id % 4 === 0 ? null : Date.UTC(2025, 0, 1 + (id % 5)),
    categoryId: id % 3 === 0 ? null : (id % 2) + 1,
    title: `T${id % 6}`,
  };
});

type Key = { field: keyof ArticleRow; descending: boolean };

function parseSortText(sort: string): Key[] {
  const keys = sort.split(',').map((token) => ({ field: token.replace(/^-/, '') as keyof ArticleRow, descending: token.startsWith('-') }));
  return keys.some((k) => k.field === 'id') ? keys : [...keys, { field: 'id', descending: false }];
}

/** NULLs last in both directions, then the next key. */
function expectedOrder(sort: string, rows: ArticleRow[]): number[] {
  const keys = parseSortText(sort);
  return [...rows]
    .sort((a, b) => {
      for (const { field, descending } of keys) {
        const x = a[field];
        const y = b[field];
        if (x === y) continue;
        if (x === null) return 1;
        if (y === null) return -1;
        return (x < y ? -1 : 1) * (descending ? -1 : 1);
      }
      return 0;
    })
    .map((row) => row.id);
}

async function walk(app: FastifyInstance, query: string, size: number) {
  const seen: number[] = [];
  const queryCounts: number[] = [];
  let url: string | null = `/articles?${query}&page[size]=${size}`;
  for (let pages = 0; url; pages++) {
    if (pages > 40) throw new Error('pagination does not end');
    const response: Awaited<ReturnType<FastifyInstance['inject']>> = await app.inject({ url, headers: { authorization } });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    const body: { data: { id: number }[]; links: { next: string | null } } = response.json();
    seen.push(...body.data.map((row: { id: number }) => row.id));
    queryCounts.push(Number(/desc="(\d+) queries"/.exec(String(response.headers['server-timing']))?.[1]));
    url = body.links.next;
  }
  return { seen, queryCounts };
}

let authorization = '';

const SORTS = ['id', '-id', 'pubDate', '-pubDate', '-pubDate,-id', 'pubDate,-id', 'categoryId,pubDate', '-categoryId,-pubDate,-id', 'title,-pubDate', '-title,categoryId'];

await eachDatabase(t, async (t, database) => {
  const { db } = database;
  await db.insertInto('authors').values({ id: 1, name: 'A', email: 'a@example.com', created_at: new Date(0) }).execute();
  await db.insertInto('categories').values([{ id: 1, name: 'One', slug: 'one' }, { id: 2, name: 'Two', slug: 'two' }]).execute();
  await db.insertInto('articles').values(ROWS.map((row) => ({
    id: row.id, author_id: 1, category_id: row.categoryId, title: row.title, body: '', is_published: row.pubDate !== null,
    pub_date: row.pubDate === null ? null : new Date(row.pubDate), created_at: new Date(0),
  }))).execute();
  // An admin walks every row, unpublished ones included (API.md §6).
  authorization = `Bearer ${(await issueToken(db, null)).token}`;
  const app = await buildApp({ database });
  t.teardown(() => app.close());

  for (const sort of SORTS) {
    await t.test(`sort=${sort}`, async (t) => {
      const expected = expectedOrder(sort, ROWS);
      for (const size of [1, 3, 7]) {
        const { seen, queryCounts } = await walk(app, `sort=${sort}`, size);
        t.same(seen, expected, `page[size]=${size}: every row once, in order`);
        t.ok(queryCounts.every((n) => n >= 1 && n <= 2), `one query per page, two where a page runs into a NULL segment: ${queryCounts}`);
      }
      const filtered = await walk(app, `sort=${sort}&filter[categoryId]=null,2`, 2);
      t.same(filtered.seen, expectedOrder(sort, ROWS.filter((row) => row.categoryId === null || row.categoryId === 2)), 'with a filter');
    });
  }
});

t.test('the segments: row values where directions agree, bounded forms otherwise, NULLs apart', async (t) => {
  const articles = { fields: Article.meta.fields };
  const d = new Date('2025-01-02T00:00:00Z');
  const pubDateDesc = { field: 'pubDate', descending: true };
  const idAsc = { field: 'id', descending: false };
  t.same(keysetSegments([{ field: 'pubDate', descending: false }, idAsc], [d, 7], articles), [Q.row(['pubDate', 'id'], '>', [d, 7]), { pubDate__isnull: true }]);
  t.same(keysetSegments([pubDateDesc, { field: 'id', descending: true }], [d, 7], articles), [Q.row(['pubDate', 'id'], '<', [d, 7]), { pubDate__isnull: true }]);
  t.same(keysetSegments([pubDateDesc, idAsc], [d, 7], articles), [
    Q.and({ pubDate__lte: d }, Q.or({ pubDate__lt: d }, Q.and({ pubDate: d }, Q.or({ id__gt: 7 })))),
    { pubDate__isnull: true },
  ]);
  t.same(keysetSegments([pubDateDesc, idAsc], [null, 7], articles), [Q.and({ pubDate__isnull: true }, { id__gt: 7 })], 'inside the NULLs: one segment');
  t.same(keysetSegments([idAsc], [7], articles), [{ id__gt: 7 }]);
});
