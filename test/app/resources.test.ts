import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { issueToken } from '../../src/auth/tokens.js';
import { eachDatabase } from '../helpers/databases.js';
import { insertBlog } from './blog.fixture.js';

/**
 * These tests cover API.md §2–4 on every row, so they ask as an admin, who
 * sees everything (test/auth/ covers what others see).
 */
let authorization = '';

/** GET a URL as an admin; the body, the status and the query count from Server-Timing. */
async function get(app: FastifyInstance, url: string) {
  const response = await app.inject({ url, headers: { authorization } });
  const timing = String(response.headers['server-timing']);
  const match = /^db;dur=[\d.]+;desc="(\d+) queries", auth;dur=[\d.]+$/.exec(timing);
  if (!match) throw new Error(`bad Server-Timing on ${url}: ${timing}`);
  return { status: response.statusCode, body: response.json(), queries: Number(match[1]), headers: response.headers };
}
const ids = (rows: { id: number }[]) => rows.map((row) => row.id);
const byId = (rows: any[], id: number) => rows.find((row) => row.id === id);

await eachDatabase(t, async (t, database) => {
  await insertBlog(database.db);
  authorization = `Bearer ${(await issueToken(database.db, null)).token}`;
  const app = await buildApp({ database });
  t.teardown(() => app.close());

  t.test('no include: one query, scalar fields in camelCase, ISO timestamps', async (t) => {
    const { body, queries, status } = await get(app, '/articles');
    t.equal(status, 200);
    t.equal(queries, 1);
    t.same(body.data[0], {
      id: 1, authorId: 1, categoryId: 1, title: 'A1', body: 'body 1', isPublished: true,
      pubDate: '2025-01-03T00:00:00.000Z', createdAt: '2025-01-01T12:00:00.123Z',
    });
    t.equal(byId(body.data, 3).pubDate, null);
    t.same(body.links, { next: null });
  });

  t.test('to-one includes are JOINs: author, nullable category', async (t) => {
    const { body, queries } = await get(app, '/articles?include=author,category');
    t.equal(queries, 1);
    t.same(byId(body.data, 1).author, { id: 1, name: 'Ann', email: 'ann@example.com', bio: 'writes', createdAt: '2025-01-01T00:00:00.000Z' });
    t.same(byId(body.data, 1).category, { id: 1, name: 'Tech', slug: 'tech' });
    t.equal(byId(body.data, 2).category, null, 'null FK → null');
  });

  t.test('tags: by name, empty list, preset active', async (t) => {
    const all = await get(app, '/articles?include=tags');
    t.equal(all.queries, 2);
    t.same(byId(all.body.data, 1).tags.map((tag: any) => tag.name), ['orm', 'sql', 'zeta']);
    t.same(byId(all.body.data, 3).tags, []);
    t.same(byId(all.body.data, 1).tags[1], { id: 2, name: 'sql', active: false });
    const active = await get(app, '/articles?include=tags:active');
    t.same(byId(active.body.data, 1).tags.map((tag: any) => tag.name), ['orm', 'zeta']);
  });

  t.test('comments: created asc by default; recentN per parent with id desc ties', async (t) => {
    const all = await get(app, '/articles?include=comments');
    t.equal(all.queries, 2);
    t.same(ids(byId(all.body.data, 1).comments), [7, 1, 2, 3, 4]);
    const recent = await get(app, '/articles?include=comments:recent2');
    t.equal(recent.queries, 2);
    t.same(ids(byId(recent.body.data, 1).comments), [4, 3], 'newest two; the createdAt tie goes to the higher id');
    t.same(ids(byId(recent.body.data, 2).comments), [5], 'sliced per parent, not globally');
    t.same(byId(recent.body.data, 3).comments, []);
  });

  t.test('comments.author: anonymous comments have author null; merging with a preset', async (t) => {
    const nested = await get(app, '/articles?include=comments.author');
    t.equal(nested.queries, 2, 'the author is JOINed into the comments query');
    const comments = byId(nested.body.data, 1).comments;
    t.equal(byId(comments, 2).author, null);
    t.equal(byId(comments, 1).author.name, 'Bob');
    const merged = await get(app, '/articles?include=comments:recent3,comments.author');
    t.equal(merged.queries, 2);
    t.same(ids(byId(merged.body.data, 1).comments), [4, 3, 2]);
    t.same(byId(merged.body.data, 1).comments.map((c: any) => c.author?.name ?? null), ['Bob', 'Ann', null]);
  });

  t.test('author.articles:recent5 is prefetched through the JOINed author', async (t) => {
    const { body, queries } = await get(app, '/articles?include=author.articles:recent5');
    t.equal(queries, 2);
    t.same(ids(byId(body.data, 1).author.articles), [4, 2, 1], 'published only, pubDate desc, id desc on ties');
    t.same(ids(byId(body.data, 3).author.articles), [5]);
  });

  t.test('everything at once: 1 + one query per to-many node', async (t) => {
    const { body, queries } = await get(app, '/articles?include=author,category,tags,comments.author,reactions.author');
    t.equal(queries, 4);
    t.same(ids(byId(body.data, 1).reactions), [1, 5]);
    t.equal(byId(body.data, 1).reactions[1].author.name, 'Cat');
    const deep = await get(app, '/articles?include=comments.reactions,tags.articles:published');
    t.equal(deep.queries, 5);
    t.same(ids(byId(byId(deep.body.data, 1).comments, 2).reactions), [2]);
  });

  t.test('other resources and their presets', async (t) => {
    const authors = await get(app, '/authors?include=articles:published,comments:recent1');
    t.equal(authors.queries, 3);
    t.same(ids(byId(authors.body.data, 2).articles), [5], 'unpublished article 3 left out');
    t.same(byId(authors.body.data, 3).articles, []);
    t.same(ids(byId(authors.body.data, 2).comments), [4]);
    const categories = await get(app, '/categories?include=articles:recent1');
    t.same(ids(byId(categories.body.data, 1).articles), [4]);
    t.same(byId(categories.body.data, 2).articles, []);
    const tags = await get(app, '/tags?include=articles');
    t.same(ids(byId(tags.body.data, 1).articles), [1, 4]);
    t.same(byId(tags.body.data, 4).articles, []);
    t.same(ids(tags.body.data), [1, 2, 3, 4], 'a page of tags is in id order unless sorted');
    const comments = await get(app, '/comments?include=article,author');
    t.equal(comments.queries, 1);
    t.equal(byId(comments.body.data, 2).author, null);
    t.equal(byId(comments.body.data, 6).article.title, 'A4');
  });

  t.test('reactions.target: one query per target type; a target that is gone is null', async (t) => {
    const { body, queries } = await get(app, '/reactions?include=target,author');
    t.equal(queries, 3, 'reactions + articles + comments');
    t.equal(byId(body.data, 1).target.title, 'A1');
    t.equal(byId(body.data, 2).target.body, 'comment 2');
    t.equal(byId(body.data, 4).target, null);
    t.equal(byId(body.data, 2).author, null);
    const onlyArticles = await get(app, '/reactions?include=target&filter[targetType]=article');
    t.equal(onlyArticles.queries, 2);
  });

  t.test('an empty page runs no prefetch', async (t) => {
    const { body, queries } = await get(app, '/articles?filter[authorId]=3&include=comments,tags');
    t.same(body.data, []);
    t.equal(queries, 1);
  });

  t.test('sparse fieldsets apply to every object of that resource; id always present', async (t) => {
    const top = await get(app, '/articles?fields[articles]=title&include=author,comments&fields[authors]=name');
    t.same(Object.keys(top.body.data[0]).sort(), ['author', 'comments', 'id', 'title']);
    t.same(top.body.data[0].author, { id: 1, name: 'Ann' });
    t.same(Object.keys(top.body.data[0].comments[0]).sort(), ['articleId', 'authorId', 'body', 'createdAt', 'id']);
    const nested = await get(app, '/authors?include=articles&fields[articles]=title');
    t.same(byId(nested.body.data, 1).articles, [{ id: 1, title: 'A1' }, { id: 2, title: 'A2' }, { id: 4, title: 'A4' }]);
  });

  t.test('sort: NULLs last both ways, id breaks ties', async (t) => {
    t.same(ids((await get(app, '/articles?sort=-pubDate')).body.data), [2, 4, 1, 5, 3]);
    t.same(ids((await get(app, '/articles?sort=pubDate')).body.data), [5, 1, 2, 4, 3]);
    t.same(ids((await get(app, '/articles?sort=-pubDate,-id')).body.data), [4, 2, 1, 5, 3]);
    t.same(ids((await get(app, '/comments?sort=-createdAt')).body.data), [6, 3, 4, 2, 1, 5, 7]);
    t.same(ids((await get(app, '/authors?sort=bio')).body.data), [1, 2, 3]);
  });

  t.test('filters: booleans, null, any-of lists', async (t) => {
    t.same(ids((await get(app, '/articles?filter[isPublished]=false')).body.data), [3]);
    t.same(ids((await get(app, '/articles?filter[categoryId]=null')).body.data), [2, 5]);
    t.same(ids((await get(app, '/articles?filter[categoryId]=null,1')).body.data), [1, 2, 3, 4, 5]);
    t.same(ids((await get(app, '/articles?filter[authorId]=2&filter[isPublished]=true')).body.data), [5]);
    t.same(ids((await get(app, '/comments?filter[authorId]=null')).body.data), [2, 6]);
    t.same(ids((await get(app, '/comments?filter[articleId]=2,4')).body.data), [5, 6]);
    t.same(ids((await get(app, '/tags?filter[active]=false')).body.data), [2]);
    t.same(ids((await get(app, '/reactions?filter[kind]=love')).body.data), [2, 5]);
    t.same((await get(app, '/articles?filter[authorId]=9223372036854775807')).body.data, []);
  });

  t.test('pagination walks every row exactly once, in order, for any sort', async (t) => {
    for (const query of ['sort=id', 'sort=-pubDate', 'sort=pubDate', 'sort=-title', 'sort=categoryId,-pubDate', 'filter[categoryId]=null,1&sort=-pubDate']) {
      const resource = '/articles';
      const expected = ids((await get(app, `${resource}?${query}&page[size]=100`)).body.data);
      const seen: number[] = [];
      let url: string | null = `${resource}?${query}&page[size]=2&include=tags`;
      let pages = 0;
      while (url) {
        const page: any = await get(app, url);
        t.equal(page.status, 200, url);
        t.ok(page.body.data.length <= 2);
        // The page's rows take one query, or two where the page runs into the NULLs of a sort key (keyset.ts); tags one more.
        const rowQueries = page.queries - (page.body.data.length ? 1 : 0);
        t.ok(rowQueries === 1 || rowQueries === 2, `${rowQueries} queries for the rows`);
        seen.push(...ids(page.body.data));
        url = page.body.links.next;
        if (url) t.match(url, /^\/articles\?.*page%5Bafter%5D=/);
        if (++pages > 10) throw new Error('pagination does not end');
      }
      t.same(seen, expected, query);
    }
    const comments: number[] = [];
    for (let url: string | null = '/comments?sort=-createdAt&page[size]=3'; url; ) {
      const page: any = await get(app, url);
      comments.push(...ids(page.body.data));
      url = page.body.links.next;
    }
    t.same(comments, [6, 3, 4, 2, 1, 5, 7]);
  });

  t.test('a cursor with another sort or filter is a 400', async (t) => {
    const first = await get(app, '/articles?sort=-pubDate&page[size]=2');
    const cursor = new URLSearchParams(first.body.links.next.split('?')[1]).get('page[after]')!;
    const other = await get(app, `/articles?sort=pubDate&page[size]=2&page[after]=${cursor}`);
    t.equal(other.status, 400);
    t.match(other.body.errors, [{ parameter: 'page[after]', value: cursor }]);
    const same = await get(app, `/articles?sort=-pubDate&page[size]=4&page[after]=${cursor}`);
    t.same(ids(same.body.data), [1, 5, 3], 'page size may change');
  });

  t.test('a sparse fieldset keeps the columns an include needs and leaves them out of the output', async (t) => {
    const { status, body, queries } = await get(app, '/reactions?include=target&fields[reactions]=kind');
    t.equal(status, 200);
    t.same(body.data.map((r: any) => Object.keys(r).sort()), body.data.map(() => ['id', 'kind', 'target']), 'targetType / targetId are loaded, not shown');
    t.same(body.data.map((r: any) => [r.id, r.target?.id ?? null]), [[1, 1], [2, 2], [3, 2], [4, null], [5, 1]], 'every target is found (the deleted comment: null)');
    t.equal(queries, 3, 'the page, then one query per target type');
  });

  t.test('detail routes', async (t) => {
    const one = await get(app, '/articles/1?include=tags:active,author&fields[articles]=title');
    t.equal(one.status, 200);
    t.same(one.body, { data: { id: 1, title: 'A1', author: { id: 1, name: 'Ann', email: 'ann@example.com', bio: 'writes', createdAt: '2025-01-01T00:00:00.000Z' }, tags: [{ id: 1, name: 'orm', active: true }, { id: 3, name: 'zeta', active: true }] } });
    t.equal(one.queries, 2);
    const missing = await get(app, '/articles/999');
    t.equal(missing.status, 404);
    t.equal(missing.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.same(missing.body, { type: 'urn:loom:problem:not-found', title: 'Not Found', status: 404, detail: 'no articles with id 999' });
    t.equal((await get(app, '/articles/9223372036854775807')).status, 404);
    for (const bad of ['0', '-1', 'abc', '9223372036854775808', '1.5']) t.equal((await get(app, `/articles/${bad}`)).status, 400, bad);
    for (const q of ['sort=id', 'filter[isPublished]=true', 'page[size]=1', 'nope=1']) {
      t.equal((await get(app, `/articles/1?${q}`)).status, 400, q);
    }
    t.equal((await get(app, '/comments/2?include=author')).body.data.author, null);
    t.same((await get(app, '/tags/4?include=articles')).body.data.articles, []);
  });

  t.test('every 400 is problem+json naming the offending token', async (t) => {
    const cases: [string, string, string][] = [
      ['/articles?include=tgas', 'include', 'tgas'],
      ['/articles?include=comments:recent51', 'include', 'recent51'],
      ['/articles?include=comments:recent5,comments:recent3', 'include', 'comments:recent3'],
      ['/reactions?include=target.author', 'include', 'author'],
      ['/articles?include=comments.article.comments.article.author', 'include', 'comments.article.comments.article.author'],
      ['/articles?fields[articles]=author', 'fields[articles]', 'author'],
      ['/articles?fields[articles]=', 'fields[articles]', ''],
      ['/articles?sort=nope', 'sort', 'nope'],
      ['/articles?filter[title]=x', 'filter[title]', 'title'],
      ['/articles?filter[isPublished]=maybe', 'filter[isPublished]', 'maybe'],
      ['/articles?page[size]=101', 'page[size]', '101'],
      ['/articles?page[after]=garbage', 'page[after]', 'garbage'],
      ['/articles?colour=red', 'colour', 'colour'],
      ['/articles?include=tags&include=author', 'include', 'include'],
    ];
    for (const [url, parameter, value] of cases) {
      const response = await app.inject(url);
      t.equal(response.statusCode, 400, url);
      t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', url);
      const body = response.json();
      t.match(body, { type: 'urn:loom:problem:invalid-parameter', title: String, status: 400, detail: String }, url);
      t.match(body.errors, [{ parameter, value, detail: String }], url);
      t.notMatch(response.body, /select|stack|at .*\.ts/i, `${url}: no SQL or stack`);
    }
    const long = await get(app, `/articles?include=${'tags,'.repeat(200)}tags`);
    t.equal(long.status, 400);
    t.equal((await get(app, '/nowhere')).status, 404);
  });

  t.test('concurrent requests each count their own queries', async (t) => {
    const urls = ['/articles', '/articles?include=tags', '/articles?include=tags,comments', '/articles?include=tags,comments,reactions'];
    const results = await Promise.all([...urls, ...urls, ...urls].map((url) => get(app, url)));
    t.same(results.map((r) => r.queries), [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
  });

  t.test("a page's includes are loaded for the page's rows only, not for the row that tells a next page exists", async (t) => {
    const seen: unknown[][] = [];
    const spy = await buildApp({ database });
    spy.addHook('onResponse', async (request) => {
      for (const query of request.session.queries) seen.push([...query.parameters]);
    });
    t.teardown(() => spy.close());
    const response = await spy.inject('/articles?include=tags,comments&page[size]=2');
    t.equal(response.json().data.length, 2);
    t.not(response.json().links.next, null, 'a next page exists: the page query fetched a third row');
    const keyLists = seen.map((parameters) => parameters[0]).filter(Array.isArray);
    t.equal(keyLists.length, 2, 'one key list per prefetch');
    for (const keys of keyLists) t.same(keys, ids(response.json().data), 'the keys are the page\'s ids');
  });

  t.test('health', async (t) => {
    t.same((await get(app, '/health/live')).body, { status: 'ok' });
    t.same((await get(app, '/health/ready')).body, { status: 'ok', reads: 'primary' });
  });
});
