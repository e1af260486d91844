/**
 * HTTP caching (API.md §8): a weak body ETag on every 200 GET that changes
 * when an included row or a count changes and not otherwise; If-None-Match
 * (weak comparison, lists, `*`) → 304 with ETag, Cache-Control and Vary
 * repeated; Cache-Control by principal and Vary: Authorization on every
 * response, errors included.
 */
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { issueToken } from '../../src/auth/tokens.js';
import { ifNoneMatchMatches } from '../../src/plugins/http-caching.js';
import { eachDatabase } from '../helpers/databases.js';
import { insertBlog } from './blog.fixture.js';

const WEAK = /^W\/"[0-9a-z]+-[0-9a-f]{16}"$/;

t.test('If-None-Match comparison (RFC 9110 weak comparison)', async (t) => {
  t.ok(ifNoneMatchMatches('W/"a-1"', 'W/"a-1"'));
  t.ok(ifNoneMatchMatches('"a-1"', 'W/"a-1"'), 'a strong tag matches its weak twin');
  t.ok(ifNoneMatchMatches('W/"a-1"', '"a-1"'));
  t.ok(ifNoneMatchMatches('"x", W/"a-1" ,"y"', 'W/"a-1"'), 'a list');
  t.ok(ifNoneMatchMatches(' * ', 'W/"a-1"'));
  t.notOk(ifNoneMatchMatches('"a-2"', 'W/"a-1"'));
  t.notOk(ifNoneMatchMatches('W/"a-1', 'W/"a-1"'), 'an unterminated tag is no match');
  t.notOk(ifNoneMatchMatches('', 'W/"a-1"'));
});

await eachDatabase(t, async (t, database) => {
  await insertBlog(database.db);
  const app: FastifyInstance = await buildApp({ database });
  t.teardown(() => app.close());
  const etagOf = async (url: string) => {
    const response = await app.inject(url);
    t.equal(response.statusCode, 200, url);
    return String(response.headers.etag);
  };

  t.test('every 200 GET has a weak ETag, no-cache and Vary: Authorization', async (t) => {
    for (const url of ['/articles', '/articles/1?include=author', '/tags?count=articles', '/health/live', '/docs/json']) {
      const response = await app.inject(url);
      t.equal(response.statusCode, 200, url);
      t.match(response.headers.etag, WEAK, url);
      t.equal(response.headers['cache-control'], 'no-cache', url);
      t.equal(response.headers.vary, 'Authorization', url);
    }
    const head = await app.inject({ method: 'HEAD', url: '/articles' });
    t.equal(head.headers.etag, await etagOf('/articles'), 'HEAD carries the ETag GET would');
  });

  t.test('If-None-Match: 304 without a body, repeating ETag, Cache-Control and Vary', async (t) => {
    const url = '/articles?include=tags&count=comments';
    const etag = await etagOf(url);
    const forms = [etag, etag.slice(2), `"nope", ${etag}`, '*'];
    for (const ifNoneMatch of forms) {
      const response = await app.inject({ url, headers: { 'if-none-match': ifNoneMatch } });
      t.equal(response.statusCode, 304, ifNoneMatch);
      t.equal(response.body, '', 'no body');
      t.equal(response.headers.etag, etag);
      t.equal(response.headers['cache-control'], 'no-cache');
      t.equal(response.headers.vary, 'Authorization');
      t.notOk(response.headers['content-type']);
    }
    const head = await app.inject({ method: 'HEAD', url, headers: { 'if-none-match': etag } });
    t.equal(head.statusCode, 304, 'HEAD too');
    const stale = await app.inject({ url, headers: { 'if-none-match': 'W/"1-0000000000000000"' } });
    t.equal(stale.statusCode, 200, 'another tag: the full response');
    t.equal(stale.json().data.length, 4, "anonymous: every article but Bob's draft (API.md §6)");
    const other = await app.inject({ url: '/articles', headers: { 'if-none-match': etag } });
    t.equal(other.statusCode, 200, "another body's tag does not match");
    t.not(other.headers.etag, etag);
  });

  t.test('the ETag changes when an included row or a count changes, and not otherwise', async (t) => {
    const url = '/articles?include=author&count=comments';
    const before = await etagOf(url);
    t.equal(await etagOf(url), before, 'the same data, the same tag');
    await database.db.updateTable('tags').set({ name: 'renamed' }).where('id', '=', 1).execute();
    await database.db.updateTable('comments').set({ body: 'edited' }).where('id', '=', 1).execute();
    t.equal(await etagOf(url), before, 'rows neither included nor counted change nothing');
    await database.db.updateTable('authors').set({ name: 'Annie' }).where('id', '=', 1).execute();
    const renamed = await etagOf(url);
    t.not(renamed, before, 'an included row changed');
    await database.db.insertInto('comments').values({ article_id: 5, author_id: null, body: 'new', created_at: new Date('2025-03-01T00:00:00Z') }).execute();
    const counted = await etagOf(url);
    t.not(counted, renamed, 'a count changed');
    t.not(counted, before);
    const detail = '/authors/1?include=articles.tags';
    const detailBefore = await etagOf(detail);
    await database.db.updateTable('tags').set({ active: false }).where('id', '=', 3).execute();
    t.not(await etagOf(detail), detailBefore, 'a row two levels down changed');
  });

  t.test('errors carry Cache-Control and Vary too; credentials make it private', async (t) => {
    for (const url of ['/articles?include=nope', '/articles/999', '/nowhere']) {
      const response = await app.inject(url);
      t.ok(response.statusCode >= 400, url);
      t.equal(response.headers['cache-control'], 'no-cache', url);
      t.equal(response.headers.vary, 'Authorization', url);
      t.notOk(response.headers.etag, 'no ETag on an error');
    }
    const { token } = await issueToken(database.db, 1);
    const authed = await app.inject({ url: '/articles', headers: { authorization: `Bearer ${token}` } });
    t.equal(authed.statusCode, 200);
    t.equal(authed.headers['cache-control'], 'private, no-cache');
    t.equal(authed.headers.vary, 'Authorization');
    const refused = await app.inject({ url: '/articles', headers: { authorization: 'Bearer nope' } });
    t.equal(refused.statusCode, 401);
    t.equal(refused.headers['cache-control'], 'private, no-cache', 'a request with credentials, even refused ones');
    t.equal(refused.headers.vary, 'Authorization');
    const notModified = await app.inject({ url: '/articles', headers: { authorization: `Bearer ${token}`, 'if-none-match': String(authed.headers.etag) } });
    t.equal(notModified.statusCode, 304);
    t.equal(notModified.headers['cache-control'], 'private, no-cache');
  });

  t.test("a single object without include, fields or counts carries §5's strong ETag, and If-None-Match works with it", async (t) => {
    const first = await app.inject('/articles/2');
    const strong = String(first.headers.etag);
    t.match(strong, /^"[^"]+"$/, 'strong: no W/ prefix');
    const again = await app.inject({ url: '/articles/2', headers: { 'if-none-match': strong } });
    t.equal(again.statusCode, 304);
    t.equal(again.headers.etag, strong);
    t.equal((await app.inject({ url: '/articles/2', headers: { 'if-none-match': `W/${strong}` } })).statusCode, 304, 'weak comparison');
    t.match(String((await app.inject('/articles/2?count=comments')).headers.etag), WEAK, 'a count makes it the weak body ETag');
    await database.db.updateTable('articles').set({ title: 'changed' }).where('id', '=', 2).execute();
    const changed = await app.inject({ url: '/articles/2', headers: { 'if-none-match': strong } });
    t.equal(changed.statusCode, 200, 'the row changed: the full response');
    t.not(changed.headers.etag, strong);
  });
});
