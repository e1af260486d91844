/**
 * `count=` (API.md §7) on the blog fixture, whose counts are known by hand:
 * articles 1..5 have 5, 1, 0, 1, 0 comments; 3 (2 active), 1, 0, 1, 0 tags;
 * 2, 1, 0, 0, 0 reactions. Ann wrote articles 1, 2, 4 (all published), Bob 3
 * (draft) and 5; Ann and Bob wrote 2 comments each, Cat 1.
 */
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { issueToken } from '../../src/auth/tokens.js';
import { resources } from '../../src/routes/resources/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { insertBlog } from './blog.fixture.js';

/** These counts cover every row, so the tests ask as an admin (test/auth/ covers what others see). */
let authorization = '';

async function get(app: FastifyInstance, url: string) {
  const response = await app.inject({ url, headers: { authorization } });
  const match = /desc="(\d+) queries"/.exec(String(response.headers['server-timing']));
  return { status: response.statusCode, body: response.json(), queries: Number(match?.[1]) };
}
const countsOf = (rows: any[]) => Object.fromEntries(rows.map((row) => [row.id, row.counts]));

await eachDatabase(t, async (t, database) => {
  await insertBlog(database.db);
  authorization = `Bearer ${(await issueToken(database.db, null)).token}`;
  const app = await buildApp({ database });
  t.teardown(() => app.close());

  t.test('top-level counts of a reverse FK, a many-to-many (with a filter preset) and a generic relation', async (t) => {
    const { body, status } = await get(app, '/articles?count=comments,tags,tags:active,reactions');
    t.equal(status, 200);
    t.same(countsOf(body.data), {
      1: { comments: 5, tags: 3, 'tags:active': 2, reactions: 2 },
      2: { comments: 1, tags: 1, 'tags:active': 1, reactions: 1 },
      3: { comments: 0, tags: 0, 'tags:active': 0, reactions: 0 },
      4: { comments: 1, tags: 1, 'tags:active': 1, reactions: 0 },
      5: { comments: 0, tags: 0, 'tags:active': 0, reactions: 0 },
    });
  });

  t.test('nested counts land on the objects at the end of the parent path, and only there', async (t) => {
    const { body } = await get(app, '/articles?include=author,comments&count=author.articles:published,author.comments,comments.reactions');
    const first = body.data.find((a: any) => a.id === 1);
    t.same(first.author.counts, { 'articles:published': 3, comments: 2 }, 'Ann');
    t.same(body.data.find((a: any) => a.id === 5).author.counts, { 'articles:published': 1, comments: 2 }, 'Bob: his draft is not counted');
    t.same(first.comments.map((c: any) => [c.id, c.counts.reactions]), [[7, 0], [1, 0], [2, 1], [3, 0], [4, 0]]);
    t.notOk('counts' in first, 'no count was asked for the articles themselves');
    const tags = await get(app, '/tags?count=articles,articles:published&sort=id');
    t.same(countsOf(tags.body.data), { 1: { articles: 2, 'articles:published': 2 }, 2: { articles: 1, 'articles:published': 1 }, 3: { articles: 2, 'articles:published': 2 }, 4: { articles: 0, 'articles:published': 0 } });
  });

  t.test('every count form costs no query: Server-Timing is the same with and without it', async (t) => {
    const cases: [string, string][] = [
      ['/articles', 'count=comments'],
      ['/articles', 'count=tags'],
      ['/articles', 'count=tags:active'],
      ['/articles', 'count=reactions'],
      ['/articles?include=author', 'count=author.articles'],
      ['/articles?include=author', 'count=author.articles:published,author.comments'],
      ['/articles?include=comments', 'count=comments.reactions'],
      ['/articles?include=comments.author', 'count=comments.author.articles'],
      ['/authors?include=articles:recent2', 'count=articles.tags:active,articles.comments'],
      ['/articles?sort=id', 'count=comments&sort=-counts.comments'],
      ['/articles/1?include=tags', 'count=comments,tags.articles'],
      ['/comments/1?include=article', 'count=article.tags,reactions'],
    ];
    for (const [base, count] of cases) {
      const plain = await get(app, base);
      const url = base.includes('sort=') ? `${base.replace(/sort=[^&]*/, '')}${count}` : `${base}${base.includes('?') ? '&' : '?'}${count}`;
      const counted = await get(app, url);
      t.equal(counted.status, 200, url);
      t.equal(counted.queries, plain.queries, `${url}: ${plain.queries} queries, as ${base}`);
    }
  });

  t.test('detail routes and sparse fieldsets', async (t) => {
    const one = await get(app, '/articles/1?count=comments,tags:active&fields[articles]=title');
    t.same(one.body.data, { id: 1, title: 'A1', counts: { comments: 5, 'tags:active': 2 } });
    const author = await get(app, '/authors/2?include=articles&count=articles.comments&fields[articles]=title');
    t.same(author.body.data.articles, [{ id: 3, title: 'A3', counts: { comments: 0 } }, { id: 5, title: 'A5', counts: { comments: 0 } }]);
  });

  t.test('sort by a count, with keyset cursors over it', async (t) => {
    const seen: number[] = [];
    let url: string | null = '/articles?count=comments&sort=-counts.comments&page[size]=2';
    let pages = 0;
    while (url) {
      const page = await get(app, url);
      t.equal(page.status, 200, url);
      seen.push(...page.body.data.map((a: any) => a.id));
      url = page.body.links.next;
      pages++;
    }
    t.same(seen, [1, 2, 4, 3, 5], 'by comments desc, id asc on ties, every row once');
    t.equal(pages, 3);
    const ascending = await get(app, '/articles?count=comments,tags&sort=counts.tags,-id');
    t.same(ascending.body.data.map((a: any) => a.id), [5, 3, 4, 2, 1]);
    const other = await get(app, '/articles?count=comments&sort=-counts.comments&page[size]=2');
    const cursor = new URL(other.body.links.next, 'http://x').searchParams.get('page[after]');
    const reused = await get(app, `/articles?count=comments&sort=comments&page[after]=${cursor}`);
    t.equal(reused.status, 400, 'a cursor made for another sort is refused');
  });

  t.test('the OpenAPI document: count parameters and counts objects with their possible keys', async (t) => {
    const doc = (await app.inject('/docs/json')).json();
    t.same(Object.keys(doc.components.schemas.Article.properties.counts.properties), ['tags', 'tags:active', 'reactions', 'comments']);
    t.same(Object.keys(doc.components.schemas.Author.properties.counts.properties), ['articles', 'articles:published', 'comments']);
    t.notOk(doc.components.schemas.Reaction.properties.counts, 'a reaction has no to-many relation');
    for (const path of ['/articles', '/articles/{id}']) {
      const count = doc.paths[path].get.parameters.find((p: any) => p.name === 'count');
      t.match(count.description, /Counts of articles: tags, tags:active, reactions, comments/, path);
    }
    t.match(doc.paths['/articles'].get.parameters.find((p: any) => p.name === 'sort').description, /counts\.<key>/);
  });

  t.test("a preset's declared slicing matches what it does to a queryset", async (t) => {
    for (const resource of resources.values()) {
      for (const preset of resource.presets) {
        t.equal(preset.apply(resource.model.objects as any, 5).isSliced, preset.sliced, `${resource.name}: ${preset.form}`);
      }
    }
  });

  t.test('every bad count naming the token and what is allowed', async (t) => {
    const issue = async (url: string) => {
      const response = await get(app, url);
      t.equal(response.status, 400, url);
      return response.body.errors[0];
    };
    t.same(await issue('/articles?count=coments'), {
      parameter: 'count', value: 'coments', detail: "unknown relation 'coments' on articles; expected one of author, category, tags, reactions, comments",
    });
    t.match(await issue('/articles?count=author'), { value: 'author', detail: /'author' is a to-one relation of articles; a count names a to-many relation: tags, reactions, comments/ });
    t.match(await issue('/articles?count=author.articles'), { value: 'author', detail: /'author' is not in include.*include=author/ });
    t.match(await issue('/articles?include=comments&count=comments.author.articles'), { value: 'author', detail: /'comments.author' is not in include/ });
    t.match(await issue('/articles?count=comments:recent5'), { value: 'comments:recent5', detail: /takes a slice per parent and cannot qualify a count/ });
    t.match(await issue('/authors?count=articles:recent3'), { detail: /count articles or articles:published/ });
    t.match(await issue('/articles?count=comments:latest'), { value: 'latest', detail: /unknown preset 'latest'/ });
    t.match(await issue('/reactions?include=target&count=target.comments'), { value: 'target', detail: /generic relation.*nothing can be counted through it/ });
    t.match(await issue('/reactions?count=target'), { value: 'target' });
    t.match(await issue('/articles?include=comments:recent5&count=comments:recent3.reactions'), { value: 'comments:recent3', detail: /included with preset 'recent5'/ });
    t.match(await issue('/articles?count=comments,,tags'), { value: '', detail: /empty path/ });
    t.match(await issue('/articles?count=com-ments'), { value: 'com-ments', detail: /not a valid count segment/ });
    t.match(await issue('/articles?sort=-counts.comments'), { parameter: 'sort', value: '-counts.comments', detail: /needs count=comments/ });
    t.match(await issue('/articles?count=tags&sort=counts.comments'), { parameter: 'sort', detail: /count= asks for tags/ });
    t.match(await issue('/articles/1?count=nope'), { parameter: 'count', value: 'nope' });
    t.match(await issue(`/articles?count=${Array(21).fill('tags').join(',')}`), { detail: /at most 20 paths/ });
  });
});
