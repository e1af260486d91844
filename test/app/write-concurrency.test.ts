/**
 * Writes at the same time (API.md §5) on both databases: 20 PATCHes holding
 * one ETag (exactly one wins, the row holds its values), 20 POSTs with one
 * Idempotency-Key (exactly one row), and the Idempotency-Key rules: replay
 * with Idempotent-Replayed, 422 for another body, 409 while in flight, a
 * failed write releases its key, expired keys are cleaned up by later claims.
 */
import t from 'tap';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { eachDatabase } from '../helpers/databases.js';
import { insertBlog } from './blog.fixture.js';
import { send, sendAsAdmin } from '../helpers/writes.js';

await eachDatabase(t, async (t, database) => {
  const { db } = database;
  await insertBlog(db);
  const app = await buildApp({ database });
  const admin = await sendAsAdmin(app, database.db);
  t.teardown(() => app.close());
  const count = async (query: ReturnType<typeof sql>) => Number(((await query.execute(db)).rows[0] as any).n);

  t.test('more writes at once than the pool has connections: every one answered 201 (no connection held while waiting for another)', async (t) => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => send(app, 'POST', '/tags', { data: { name: `burst ${i}` } })));
    t.same(results.map((r) => r.status), Array(25).fill(201));
    t.ok(results.every((r) => typeof r.headers['loom-consistency'] === 'string'));
    t.equal(await count(sql`select count(*) as n from tags where name like 'burst %'`), 25);
  });

  t.test('20 PATCHes with the same If-Match: exactly one 200, the rest 412, the row holds the winner', async (t) => {
    const etag = String((await send(app, 'GET', '/articles/4')).headers.etag);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      send(app, 'PATCH', '/articles/4', { data: { title: `writer ${i}` } }, { 'if-match': etag })));
    const winners = results.filter((r) => r.status === 200);
    t.equal(winners.length, 1);
    t.equal(results.filter((r) => r.status === 412).length, 19);
    const stored = await send(app, 'GET', '/articles/4');
    t.equal(stored.body.data.title, winners[0].body.data.title);
    t.equal(stored.headers.etag, winners[0].headers.etag);
  });

  t.test('20 PATCHes of links alone with the same If-Match: one wins too (the row is touched)', async (t) => {
    const etag = String((await send(app, 'GET', '/articles/4')).headers.etag);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      send(app, 'PATCH', '/articles/4', { data: { tagIds: [1 + (i % 4)] } }, { 'if-match': etag })));
    t.equal(results.filter((r) => r.status === 200).length, 1);
  });

  t.test('20 POSTs with one Idempotency-Key: one row, the same answer for all that were not told to wait', async (t) => {
    const body = { data: { authorId: 1, title: 'once', body: 'b', tagIds: [1, 3] } };
    const results = await Promise.all(Array.from({ length: 20 }, () =>
      send(app, 'POST', '/articles?include=tags', body, { 'idempotency-key': 'same-key-20' })));
    t.equal(await count(sql`select count(*) as n from articles where title = 'once'`), 1);
    const answered = results.filter((r) => r.status === 201);
    t.ok(answered.length >= 1);
    t.ok(results.every((r) => r.status === 201 || r.status === 409), 'a 201 (first or replay) or a 409 (in flight)');
    for (const r of answered) t.same(r.body, answered[0].body);
    const replay = await send(app, 'POST', '/articles?include=tags', body, { 'idempotency-key': 'same-key-20' });
    t.equal(replay.status, 201);
    t.equal(replay.headers['idempotent-replayed'], 'true');
    t.equal(replay.headers.location, answered[0].headers.location);
    t.same(replay.body, answered[0].body);
  });

  t.test('Idempotency-Key: replay, another body 422, in flight 409, failures release, bad keys 400', async (t) => {
    const first = await send(app, 'POST', '/tags', { data: { name: 'idem' } }, { 'idempotency-key': 'k1' });
    t.equal(first.status, 201);
    t.notOk(first.headers['idempotent-replayed']);
    const again = await send(app, 'POST', '/tags', { data: { name: 'idem' } }, { 'idempotency-key': 'k1' });
    t.equal(again.status, 201);
    t.equal(again.headers['idempotent-replayed'], 'true');
    t.match(again.headers['loom-consistency'], /\S/, 'replays carry a consistency token too');
    t.same(again.body, first.body);
    t.equal(again.headers.etag, first.headers.etag);
    t.equal(await count(sql`select count(*) as n from tags where name = 'idem'`), 1, 'the replay wrote nothing');
    const other = await send(app, 'POST', '/tags', { data: { name: 'other' } }, { 'idempotency-key': 'k1' });
    t.equal(other.status, 422);
    t.equal(other.body.type, 'urn:loom:problem:idempotency-key-reused');
    const minimal = await send(app, 'POST', '/tags', { data: { name: 'idem-min' } }, { 'idempotency-key': 'k2', prefer: 'return=minimal' });
    const minimalAgain = await send(app, 'POST', '/tags', { data: { name: 'idem-min' } }, { 'idempotency-key': 'k2', prefer: 'return=minimal' });
    t.equal(minimalAgain.status, 204);
    t.equal(minimalAgain.headers.location, minimal.headers.location);

    await sql`insert into idempotency_keys (principal, key, request_hash) values (${`admin:${admin.id}`}, 'busy', 'x')`.execute(db);
    const busy = await send(app, 'POST', '/tags', { data: { name: 'busy' } }, { 'idempotency-key': 'busy' });
    t.equal(busy.status, 409, 'the first request with the key is still running');
    t.equal(await count(sql`select count(*) as n from tags where name = 'busy'`), 0);

    const failed = await send(app, 'POST', '/tags', { data: { name: 'orm' } }, { 'idempotency-key': 'k3' });
    t.equal(failed.status, 409, 'a unique name taken');
    t.equal(await count(sql`select count(*) as n from idempotency_keys where key = 'k3'`), 0, 'a failed write releases its key');
    t.equal((await send(app, 'POST', '/tags', { data: { name: 'orm' } }, { 'idempotency-key': 'k3' })).status, 409, 'and runs again');

    for (const key of ['', 'x'.repeat(256), 'with space', 'é']) {
      const bad = await send(app, 'POST', '/tags', { data: { name: 'bad-key' } }, { 'idempotency-key': key });
      t.equal(bad.status, 400, `key ${JSON.stringify(key.slice(0, 10))}`);
    }
  });

  t.test('keys expire after 24 hours and are cleaned up by later claims', async (t) => {
    await sql`insert into idempotency_keys (principal, key, request_hash, status, response, created_at)
      values ('anonymous', 'old-1', 'x', 201, '{}'::jsonb, now() - interval '25 hours'),
             ('anonymous', 'old-2', 'x', 201, '{}'::jsonb, now() - interval '25 hours')`.execute(db);
    const reused = await send(app, 'POST', '/tags', { data: { name: 'after-expiry' } }, { 'idempotency-key': 'old-1' });
    t.equal(reused.status, 201, 'an expired key runs the request anew');
    t.notOk(reused.headers['idempotent-replayed']);
    t.equal(await count(sql`select count(*) as n from idempotency_keys where key = 'old-2'`), 0, 'another expired key was deleted by the claim');
  });
});
