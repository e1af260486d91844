/**
 * POST / PATCH / DELETE over HTTP (API.md §5) on both databases: statuses,
 * Location, bodies with includes read in the same transaction, Prefer:
 * return=minimal, every 400 / 409 / 412 / 413 / 415 / 422 case of the
 * contract's settled details, cascades (generic ones included), tagIds,
 * strong ETags and If-Match, and the statements counted in Server-Timing.
 */
import t from 'tap';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { eachDatabase } from '../helpers/databases.js';
import { insertBlog } from './blog.fixture.js';
import { send, sendAsAdmin } from '../helpers/writes.js';

const pointers = (body: any) => body.errors.map((e: any) => e.pointer).sort();

await eachDatabase(t, async (t, database) => {
  const { db } = database;
  await insertBlog(db);
  const app = await buildApp({ database });
  await sendAsAdmin(app, db);
  t.teardown(() => app.close());
  const rows = async (query: ReturnType<typeof sql>) => (await query.execute(db)).rows as any[];

  t.test('POST with include: 201, Location, the new object as GET shows it, one transaction', async (t) => {
    const created = await send(app, 'POST', '/articles?include=author,tags', { data: { authorId: 1, title: 'New', body: 'text', tagIds: [3, 1] } });
    t.equal(created.status, 201);
    const id = created.body.data.id;
    t.equal(created.headers.location, `/articles/${id}`);
    t.match(created.body.data, { title: 'New', body: 'text', authorId: 1, categoryId: null, isPublished: false, pubDate: null, author: { id: 1, name: 'Ann' } });
    t.same(created.body.data.tags.map((tag: any) => tag.name), ['orm', 'zeta'], 'tags as the include orders them');
    t.notOk(created.headers.etag, 'no strong ETag with include');
    t.equal(created.queries, 4, 'INSERT, the tag links, the article with its author, the tags');
    t.match(created.headers['loom-consistency'], /\S/, 'a consistency token (API.md §9)');
    const read = await send(app, 'GET', `/articles/${id}?include=author,tags`);
    t.same(read.body, created.body, 'a GET shows the same');
  });

  t.test('POST without include: a strong ETag that a following GET repeats; fields honoured', async (t) => {
    const created = await send(app, 'POST', '/tags', { data: { name: 'fresh' } });
    t.equal(created.status, 201);
    t.same(created.body.data, { id: created.body.data.id, name: 'fresh', active: true });
    t.match(created.headers.etag, /^"\d+\.admin"$/);
    const read = await send(app, 'GET', `/tags/${created.body.data.id}`);
    t.equal(read.headers.etag, created.headers.etag);
    const narrow = await send(app, 'POST', '/tags?fields[tags]=name', { data: { name: 'narrow' } });
    t.same(Object.keys(narrow.body.data).sort(), ['id', 'name']);
    t.notOk(narrow.headers.etag, 'no strong ETag with fields');
  });

  t.test('Prefer: return=minimal: 204, Location, no body', async (t) => {
    const created = await send(app, 'POST', '/categories', { data: { name: 'Min', slug: 'min' } }, { prefer: 'return=minimal' });
    t.equal(created.status, 204);
    t.match(created.headers.location, /^\/categories\/\d+$/);
    t.equal(created.body, undefined);
    const id = String(created.headers.location).split('/')[2];
    const patched = await send(app, 'PATCH', `/categories/${id}`, { data: { name: 'Min2' } }, { prefer: 'return=minimal' });
    t.equal(patched.status, 204);
    t.same((await send(app, 'GET', `/categories/${id}`)).body.data, { id: Number(id), name: 'Min2', slug: 'min' });
  });

  t.test('PATCH changes only the fields given; null where allowed; tagIds replaces the set', async (t) => {
    const patched = await send(app, 'PATCH', '/articles/2?include=tags', { data: { title: 'Retitled', categoryId: null, tagIds: [4, 2] } });
    t.equal(patched.status, 200);
    t.match(patched.body.data, { id: 2, title: 'Retitled', body: 'body 2', categoryId: null, isPublished: true, pubDate: '2025-01-05T00:00:00.000Z' });
    t.same(patched.body.data.tags.map((tag: any) => tag.id), [4, 2], 'alpha, sql by name');
    const pub = await send(app, 'PATCH', '/articles/2', { data: { pubDate: '2025-06-01T10:00:00+02:00', categoryId: 2 } });
    t.match(pub.body.data, { pubDate: '2025-06-01T08:00:00.000Z', categoryId: 2 });
    const empty = await send(app, 'PATCH', '/articles/2', { data: {} });
    t.equal(empty.status, 200, 'an empty change is no error');
    const cleared = await send(app, 'PATCH', '/articles/2?include=tags', { data: { tagIds: [] } });
    t.same(cleared.body.data.tags, []);
  });

  t.test('DELETE cascades: comments, reactions on the article and on its comments (type and id together)', async (t) => {
    await sql`insert into reactions (target_type, target_id, kind) values ('comment', 4, 'like'), ('article', 4, 'keep')`.execute(db);
    const before = await rows(sql`select id, target_type, target_id from reactions order by id`);
    const deleted = await send(app, 'DELETE', '/articles/1');
    t.equal(deleted.status, 204);
    t.equal(deleted.body, undefined);
    t.match(deleted.headers['loom-consistency'], /\S/);
    t.equal((await send(app, 'GET', '/articles/1')).status, 404);
    t.same(await rows(sql`select id from comments where article_id = 1`), []);
    const left = await rows(sql`select id, target_type, target_id from reactions order by id`);
    const gone = before.filter((r) => !left.some((l) => l.id === r.id));
    t.same(gone.map((r) => [r.target_type, Number(r.target_id)]).sort(), [['article', 1], ['article', 1], ['comment', 2], ['comment', 4]].sort(),
      'reactions on article 1 and on its comments 2 and 4; not article 4 nor comment 99');
    t.equal((await send(app, 'DELETE', '/articles/1')).status, 404);
  });

  t.test('DELETE an author: their articles with everything below; their other comments kept, anonymous', async (t) => {
    const deleted = await send(app, 'DELETE', '/authors/2');
    t.equal(deleted.status, 204);
    t.equal(deleted.queries, 2, 'the locked read and the one deleting statement');
    t.same(await rows(sql`select id from articles where id in (3, 5)`), []);
    t.same(await rows(sql`select id from comments where author_id = 2`), []);
    t.same(await rows(sql`select id from reactions where author_id = 2`), []);
  });

  t.test('422: every problem at its pointer, all in one response, nothing else listed', async (t) => {
    const bad = await send(app, 'POST', '/articles', {
      data: { id: 5, createdAt: '2025-01-01T00:00:00Z', authorId: 1.5, title: null, isPublished: 'yes', pubDate: 'yesterday', tagIds: 'x', color: 'red' },
    });
    t.equal(bad.status, 422);
    t.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.notOk(bad.headers['loom-consistency'], 'failed writes carry no token');
    t.same(pointers(bad.body), ['/data/authorId', '/data/body', '/data/color', '/data/createdAt', '/data/id', '/data/isPublished', '/data/pubDate', '/data/tagIds', '/data/title'].sort());
    t.match(bad.body.errors.find((e: any) => e.pointer === '/data/id').detail, /set by the server/);
    t.match(bad.body.errors.find((e: any) => e.pointer === '/data/body').detail, /required/);
    const nulls = await send(app, 'PATCH', '/articles/4', { data: { isPublished: null, authorId: null, categoryId: null, title: 'ok' } });
    t.same(pointers(nulls.body), ['/data/authorId', '/data/isPublished'], 'null only where not allowed; a default does not allow null');
    const ids = await send(app, 'POST', '/articles', { data: { authorId: '1', title: 't', body: 'b', categoryId: 9223372036854775808, tagIds: [1, '2', -3, 2.5] } });
    t.same(pointers(ids.body), ['/data/authorId', '/data/categoryId', '/data/tagIds/1', '/data/tagIds/2', '/data/tagIds/3'].sort());
    const dates = await send(app, 'PATCH', '/articles/4', { data: { pubDate: '2025-02-30T00:00:00Z' } });
    t.same(pointers(dates.body), ['/data/pubDate'], 'a day that does not exist');
    const nul = await send(app, 'POST', '/tags', { data: { name: 'a\u0000b' } });
    t.same(pointers(nul.body), ['/data/name'], 'NUL in text is a 422, not a database error');
    const envelope = await send(app, 'POST', '/tags', { data: { name: 'x' }, meta: 1 });
    t.same(pointers(envelope.body), ['/meta']);
    t.same(await rows(sql`select id from tags where name = 'x'`), [], 'nothing written');
  });

  t.test('422: rows that do not exist, found by the database (keys) or checked (generic target)', async (t) => {
    const author = await send(app, 'POST', '/articles', { data: { authorId: 999, title: 't', body: 'b' } });
    t.equal(author.status, 422);
    t.same(author.body.errors, [{ pointer: '/data/authorId', detail: 'no authors with id 999' }]);
    const tag = await send(app, 'POST', '/articles', { data: { authorId: 1, title: 'tagged', body: 'b', tagIds: [1, 998] } });
    t.same(pointers(tag.body), ['/data/tagIds/1']);
    t.same(await rows(sql`select id from articles where title = 'tagged'`), [], 'the article of the failed write is gone too');
    const target = await send(app, 'POST', '/reactions', { data: { targetType: 'comment', targetId: 99, kind: 'like' } });
    t.same(target.body.errors, [{ pointer: '/data/targetId', detail: 'no comment with id 99' }]);
    const type = await send(app, 'POST', '/reactions', { data: { targetType: 'author', targetId: 1, kind: 'like' } });
    t.same(pointers(type.body), ['/data/targetType']);
    const ok = await send(app, 'POST', '/reactions', { data: { targetType: 'article', targetId: 4, kind: 'like', authorId: 3 } });
    t.equal(ok.status, 201);
    const moved = await send(app, 'PATCH', `/reactions/${ok.body.data.id}`, { data: { targetId: 98 } });
    t.same(moved.body.errors, [{ pointer: '/data/targetId', detail: 'no article with id 98' }], 'PATCH checks the target with the row’s type');
    const comment = await send(app, 'PATCH', '/comments/6', { data: { articleId: 12345 } });
    t.same(pointers(comment.body), ['/data/articleId']);
  });

  t.test('400: not JSON, empty, no data object; 415 another media type; charset accepted', async (t) => {
    const cases: [string, string | undefined, string?][] = [
      ['{"data": {', 'application/json'],
      ['', 'application/json'],
      ['null', 'application/json'],
      ['[]', 'application/json'],
      ['{"data": null}', 'application/json'],
      ['{"data": []}', 'application/json'],
      ['{"data": 3}', 'application/json'],
      ['{"name": "x"}', 'application/json'],
    ];
    for (const [raw, type] of cases) {
      const response = await send(app, 'POST', '/tags', undefined, type ? { 'content-type': type } : {}, raw);
      t.equal(response.status, 400, `400 for ${JSON.stringify(raw)}`);
      t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    }
    t.equal((await send(app, 'POST', '/tags')).status, 400, 'no body at all');
    t.equal((await send(app, 'POST', '/tags', undefined, { 'content-type': 'text/plain' }, '{"data":{"name":"p"}}')).status, 415);
    t.equal((await send(app, 'POST', '/tags', undefined, { 'content-type': 'application/x-www-form-urlencoded' }, 'name=p')).status, 415);
    const charset = await send(app, 'POST', '/tags', undefined, { 'content-type': 'application/json; charset=utf-8' }, '{"data":{"name":"charset"}}');
    t.equal(charset.status, 201);
  });

  t.test('409 names the unique field', async (t) => {
    const email = await send(app, 'POST', '/authors', { data: { name: 'Twin', email: 'ann@example.com' } });
    t.equal(email.status, 409);
    t.same(email.body.errors.map((e: any) => e.pointer), ['/data/email']);
    const name = await send(app, 'PATCH', '/tags/2', { data: { name: 'zeta' } });
    t.equal(name.status, 409);
    t.same(name.body.errors.map((e: any) => e.pointer), ['/data/name']);
  });

  t.test('bad ids in the path: 400; unknown: 404', async (t) => {
    t.equal((await send(app, 'PATCH', '/tags/0', { data: {} })).status, 400);
    t.equal((await send(app, 'DELETE', '/tags/x')).status, 400);
    t.equal((await send(app, 'PATCH', '/tags/777', { data: { name: 'n' } })).status, 404);
    t.equal((await send(app, 'DELETE', '/tags/9007199254740993')).status, 404);
  });

  t.test('ETag and If-Match: 412 when stale (nothing written), * for any row, the version moves with plain SQL writes', async (t) => {
    const first = await send(app, 'GET', '/tags/3');
    const etag = String(first.headers.etag);
    t.match(etag, /^"\d+\.admin"$/);
    t.match((await send(app, 'GET', '/tags/3?include=articles')).headers.etag, /^W\//, 'with include the ETag is the weak one of the body (§8)');
    const ok = await send(app, 'PATCH', '/tags/3', { data: { active: false } }, { 'if-match': etag });
    t.equal(ok.status, 200);
    t.not(ok.headers.etag, etag);
    t.equal((await send(app, 'GET', '/tags/3')).headers.etag, ok.headers.etag, 'the PATCH answer’s ETag is what GET shows');
    const stale = await send(app, 'PATCH', '/tags/3', { data: { name: 'lost' } }, { 'if-match': etag });
    t.equal(stale.status, 412);
    t.equal((await send(app, 'GET', '/tags/3')).body.data.name, 'zeta', 'nothing written');
    await sql`update tags set active = true where id = 3`.execute(db);
    const moved = await send(app, 'GET', '/tags/3');
    t.not(moved.headers.etag, ok.headers.etag, 'a write by plain SQL changes the ETag');
    t.equal((await send(app, 'PATCH', '/tags/3', { data: {} }, { 'if-match': String(ok.headers.etag) })).status, 412);
    t.equal((await send(app, 'PATCH', '/tags/3', { data: {} }, { 'if-match': `W/${moved.headers.etag}` })).status, 412, 'weak never matches');
    t.equal((await send(app, 'PATCH', '/tags/3', { data: {} }, { 'if-match': `"x", ${moved.headers.etag}` })).status, 200, 'a list naming it');
    t.equal((await send(app, 'PATCH', '/tags/3', { data: { active: true } }, { 'if-match': '*' })).status, 200);
    t.equal((await send(app, 'PATCH', '/tags/888', { data: {} }, { 'if-match': '*' })).status, 404, '* needs a row');
    t.equal((await send(app, 'DELETE', '/tags/3', undefined, { 'if-match': etag })).status, 412);
    const current = String((await send(app, 'GET', '/tags/3')).headers.etag);
    t.equal((await send(app, 'DELETE', '/tags/3', undefined, { 'if-match': current })).status, 204);
  });
});

t.test('413 past the body limit', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const app = await buildApp({ database, bodyLimitBytes: 1024 });
    await sendAsAdmin(app, database.db);
    t.teardown(() => app.close());
    const big = await send(app, 'POST', '/tags', { data: { name: 'x'.repeat(2000) } });
    t.equal(big.status, 413);
    t.equal(big.headers['content-type'], 'application/problem+json; charset=utf-8');
  });
});
