/**
 * API.md §6 visibility, case by case on a small blog: what anonymous, an
 * author and an admin see at the top level, in includes at every kind of
 * node, through a reaction's target, in a sliced preset, and which fields.
 */
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { issueToken } from '../../src/auth/tokens.js';
import { eachDatabase } from '../helpers/databases.js';
import { ANN, BOB, CAT, insertVisibilityBlog } from './visibility.fixture.js';

type As = 'anonymous' | 'ann' | 'bob' | 'cat' | 'admin';

const ids = (rows: { id: number }[]) => rows.map((row) => row.id);
const byId = (rows: any[], id: number) => rows.find((row) => row.id === id);

t.test('visibility', async (t) => {
  await eachDatabase(t, async (t, database) => {
    await insertVisibilityBlog(database.db);
    const app: FastifyInstance = await buildApp({ database });
    t.teardown(() => app.close());
    const tokens: Record<As, string | undefined> = {
      anonymous: undefined,
      ann: (await issueToken(database.db, ANN)).token,
      bob: (await issueToken(database.db, BOB)).token,
      cat: (await issueToken(database.db, CAT)).token,
      admin: (await issueToken(database.db, null)).token,
    };
    const get = async (as: As, url: string) => {
      const token = tokens[as];
      const response = await app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });
      const queries = Number(/desc="(\d+) queries"/.exec(String(response.headers['server-timing']))?.[1]);
      return { status: response.statusCode, body: response.json(), queries };
    };

    t.test('unpublished articles: their author and admins only, lists and details', async (t) => {
      t.same(ids((await get('anonymous', '/articles')).body.data), [1, 2, 4, 5]);
      t.same(ids((await get('bob', '/articles')).body.data), [1, 2, 3, 4, 5]);
      t.same(ids((await get('cat', '/articles')).body.data), [1, 2, 4, 5, 6]);
      t.same(ids((await get('admin', '/articles')).body.data), [1, 2, 3, 4, 5, 6]);
      for (const [as, status] of [['anonymous', 404], ['ann', 404], ['bob', 404], ['cat', 200], ['admin', 200]] as const) {
        t.equal((await get(as, '/articles/6')).status, status, `/articles/6 as ${as}`);
      }
      t.same(ids((await get('anonymous', '/articles?filter[isPublished]=false')).body.data), [], 'a filter finds nothing hidden');
      t.same(ids((await get('bob', '/articles?filter[isPublished]=false&sort=-id')).body.data), [3]);
    });

    t.test('comments and reactions follow their article, whoever wrote them', async (t) => {
      t.same(ids((await get('anonymous', '/comments')).body.data), [1, 2, 3, 4, 5, 6, 7]);
      t.same(ids((await get('ann', '/comments?filter[authorId]=1')).body.data), [3, 5], "Ann's comment 8 is on Cat's draft: hidden from Ann too");
      t.same(ids((await get('cat', '/comments?filter[articleId]=6')).body.data), [8, 9]);
      t.equal((await get('ann', '/comments/8')).status, 404);
      t.equal((await get('cat', '/comments/8')).status, 200);
      t.same(ids((await get('anonymous', '/reactions')).body.data), [1, 2, 3, 5], 'not on the draft, not on its comment, not on a missing comment');
      t.same(ids((await get('cat', '/reactions')).body.data), [1, 2, 3, 5, 6, 7]);
      t.same(ids((await get('admin', '/reactions')).body.data), [1, 2, 3, 4, 5, 6, 7]);
      t.equal((await get('ann', '/reactions/6')).status, 404, 'her own reaction on a draft she cannot see');
    });

    t.test('includes: reverse FK, many-to-many, nested, sliced presets', async (t) => {
      const authors = await get('anonymous', '/authors?include=articles,comments');
      t.same(ids(byId(authors.body.data, CAT).articles), []);
      t.same(ids(byId(authors.body.data, ANN).comments), [5, 3], "Ann's comment on the draft is left out");
      const own = await get('cat', '/authors?include=articles,comments');
      t.same(ids(byId(own.body.data, CAT).articles), [6]);
      t.same(ids(byId(own.body.data, ANN).comments), [5, 3, 8]);
      const tags = await get('anonymous', '/tags?include=articles.comments');
      t.same(ids(byId(tags.body.data, 1).articles), [1, 4]);
      const catTags = await get('cat', '/tags?include=articles.comments');
      t.same(ids(byId(catTags.body.data, 1).articles), [1, 4, 6]);
      t.same(ids(byId(byId(catTags.body.data, 1).articles, 6).comments), [8, 9]);
      const categories = await get('bob', '/categories?include=articles');
      t.same(ids(byId(categories.body.data, 1).articles), [1, 3, 4]);
      t.same(ids(byId(categories.body.data, 2).articles), []);
      // recentN is taken among the visible rows: Bob's 1 newest is his draft for Bob only.
      const recent = await get('bob', '/authors/2?include=articles:recent1');
      t.same(ids(recent.body.data.articles), [5], 'recentN only counts published articles anyway');
      const comments = await get('anonymous', '/authors/1?include=comments:recent1');
      t.same(ids(comments.body.data.comments), [3], "the newest visible comment, not Ann's comment 8 on the draft");
      t.same(ids((await get('cat', '/authors/1?include=comments:recent1')).body.data.comments), [8]);
    });

    t.test('to-one JOINs and generic targets', async (t) => {
      const comments = await get('cat', '/comments?include=article.author&filter[articleId]=6');
      t.same(comments.body.data.map((c: any) => c.article.id), [6, 6], 'visible comment, visible article');
      const reactions = await get('admin', '/reactions?include=target');
      t.equal(byId(reactions.body.data, 4).target, null, 'a missing target renders null');
      t.equal(byId(reactions.body.data, 7).target.id, 8);
      const anonymous = await get('anonymous', '/reactions?include=target');
      t.same(anonymous.body.data.map((r: any) => r.target?.id), [1, 2, 2, 1]);
      const deep = await get('anonymous', '/articles?include=author.comments.reactions,comments.reactions');
      t.same(ids(byId(deep.body.data, 1).author.comments), [5, 3], 'author.comments under an article skips the draft');
      t.same(ids(byId(byId(deep.body.data, 1).comments, 2).reactions), [2]);
    });

    t.test("email: its author's and admins' only; filter and sort by it: admins", async (t) => {
      t.same((await get('anonymous', '/authors')).body.data.map((a: any) => 'email' in a), [false, false, false]);
      t.same((await get('ann', '/authors')).body.data.map((a: any) => a.email ?? null), ['ann@example.com', null, null]);
      t.same((await get('admin', '/authors')).body.data.map((a: any) => a.email), ['ann@example.com', 'bob@example.com', 'cat@example.com']);
      const sparse = await get('bob', '/authors?fields[authors]=name,email');
      t.equal(sparse.status, 200, 'asking for email is no error');
      t.same(sparse.body.data, [{ id: 1, name: 'Ann' }, { id: 2, name: 'Bob', email: 'bob@example.com' }, { id: 3, name: 'Cat' }]);
      const nested = await get('ann', '/articles?include=author,comments.author&fields[authors]=email');
      t.same(byId(nested.body.data, 1).author, { id: 1, email: 'ann@example.com' });
      t.same(byId(byId(nested.body.data, 1).comments, 1).author, { id: 2 }, "Bob's email stays hidden in an include");
      t.same((await get('anonymous', '/authors/1')).body.data.email, undefined);
      for (const url of ['/authors?filter[email]=ann@example.com', '/authors?sort=email', '/authors?sort=-email']) {
        for (const as of ['anonymous', 'ann', 'bob'] as const) {
          const refused = await get(as, url);
          t.equal(refused.status, 403, `${url} as ${as}`);
          t.equal(refused.body.type, 'urn:loom:problem:forbidden');
          t.equal(refused.queries, 0, 'refused before any query');
        }
        t.equal((await get('admin', url)).status, 200, `${url} as admin`);
      }
      t.same(ids((await get('admin', '/authors?filter[email]=cat@example.com')).body.data), [CAT]);
    });

    t.test('counts (API.md §7) count visible rows only', async (t) => {
      const countsOf = (rows: any[]) => Object.fromEntries(rows.map((row) => [row.id, row.counts]));
      const url = '/authors?count=articles,articles:published,comments';
      t.same(countsOf((await get('anonymous', url)).body.data), {
        [ANN]: { articles: 3, 'articles:published': 3, comments: 2 },
        [BOB]: { articles: 1, 'articles:published': 1, comments: 2 },
        [CAT]: { articles: 0, 'articles:published': 0, comments: 1 },
      });
      t.same(countsOf((await get('cat', url)).body.data), {
        [ANN]: { articles: 3, 'articles:published': 3, comments: 3 },
        [BOB]: { articles: 1, 'articles:published': 1, comments: 2 },
        [CAT]: { articles: 1, 'articles:published': 0, comments: 1 },
      });
      const tags = await get('anonymous', '/tags?count=articles');
      t.same(byId(tags.body.data, 1).counts, { articles: 2 });
      t.same(byId((await get('admin', '/tags?count=articles')).body.data, 1).counts, { articles: 3 });
      const sorted = await get('anonymous', '/authors?count=articles&sort=-counts.articles');
      t.same(ids(sorted.body.data), [ANN, BOB, CAT]);
    });

    t.test('query counts are the same for every principal', async (t) => {
      const urls = [
        '/articles?include=author,category,tags,comments:recent5',
        '/authors?include=articles.comments.reactions,comments.article',
        '/reactions?include=target,author',
        '/tags?include=articles:published.author',
        '/comments?include=article.author.articles:recent2,reactions',
      ];
      for (const url of urls) {
        const counts = [];
        for (const as of ['anonymous', 'ann', 'cat', 'admin'] as const) counts.push((await get(as, url)).queries);
        t.same(new Set(counts).size, 1, `${url}: ${counts.join(', ')}`);
      }
      const hidden = await get('anonymous', '/articles/6?include=comments.reactions');
      t.equal(hidden.status, 404);
      t.equal(hidden.queries, 1, 'no visible parent: its includes run no query');
    });
  });
});

t.test('no generic target needs a condition of its own below a visible parent (the planner relies on it)', async (t) => {
  const { resources } = await import('../../src/routes/resources/index.js');
  const { visibilityBelow } = await import('../../src/routes/planner.js');
  const principals = [{ kind: 'anonymous' }, { kind: 'author', authorId: 1, tokenId: 1 }, { kind: 'admin', tokenId: 2 }] as const;
  let checked = 0;
  for (const parent of resources.values()) {
    for (const relation of Object.values(parent.relations)) {
      if (relation.targets.length === 1) continue;
      for (const type of relation.targets) {
        for (const principal of principals) {
          t.equal(visibilityBelow(parent, relation.name, resources.get(type)!, principal), undefined, `${parent.name}.${relation.name} → ${type} as ${principal.kind}`);
          checked++;
        }
      }
    }
  }
  t.ok(checked > 0);
});
