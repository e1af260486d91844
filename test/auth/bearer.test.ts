/**
 * `Authorization: Bearer` over HTTP (API.md §6): a valid token is accepted
 * and timed as `auth` beside `db` (whose count does not change); a missing
 * header is anonymous; anything else is a 401 problem+json with
 * `WWW-Authenticate: Bearer` on every route; the token never reaches the logs.
 */
import { Writable } from 'node:stream';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { issueToken, parseToken, revokeToken } from '../../src/auth/tokens.js';
import { insertBlog } from '../app/blog.fixture.js';
import { eachDatabase } from '../helpers/databases.js';

const TIMING = /^db;dur=[\d.]+;desc="(\d+) queries", auth;dur=[\d.]+$/;

t.test('bearer tokens', async (t) => {
  await eachDatabase(t, async (t, database) => {
    await insertBlog(database.db);
    const logs: string[] = [];
    const stream = new Writable({ write: (chunk, _encoding, done) => { logs.push(String(chunk)); done(); } });
    // No cache: revocation is seen by the next request.
    const app = await buildApp({ database, tokenCacheMs: 0, logger: { level: 'trace', stream } });
    t.teardown(() => app.close());
    const admin = await issueToken(database.db, null);
    const author = await issueToken(database.db, 1);
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    t.test('a valid token: 200, Server-Timing has auth beside an unchanged db count', async (t) => {
      const url = '/articles?include=author,tags,comments:recent2';
      const anonymous = await app.inject(url);
      t.equal(anonymous.headers['server-timing']!.toString().includes('auth'), false, 'no token, no auth metric');
      for (const token of [admin.token, author.token]) {
        const response = await app.inject({ url, headers: bearer(token) });
        t.equal(response.statusCode, 200);
        const match = TIMING.exec(String(response.headers['server-timing']));
        t.ok(match, String(response.headers['server-timing']));
        t.equal(match?.[1], '3', 'the token check is not one of the db queries');
      }
    });

    t.test('invalid, malformed or revoked tokens are 401 on every route', async (t) => {
      const revoked = await issueToken(database.db, 1);
      await revokeToken(database.db, revoked.id);
      const headers = [
        bearer(`${admin.token.slice(0, -1)}${admin.token.endsWith('A') ? 'B' : 'A'}`),
        bearer(revoked.token),
        bearer('nonsense'),
        { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
        { authorization: 'Bearer' },
        { authorization: '' },
      ];
      for (const url of ['/articles', '/articles/1', '/authors?include=articles', '/health/live', '/no-such-route']) {
        for (const h of headers) {
          const response = await app.inject({ url, headers: h });
          t.equal(response.statusCode, 401, `${url} with ${h.authorization.slice(0, 12)}…`);
          t.equal(response.headers['www-authenticate'], 'Bearer');
          t.match(response.headers['content-type'], /^application\/problem\+json/);
          t.match(response.json(), { status: 401, type: 'urn:loom:problem:unauthorized' });
          t.match(String(response.headers['server-timing']), /^db;dur=[\d.]+;desc="0 queries", auth;dur=/);
        }
      }
    });

    t.test('a token revoked while in use stops working (cache TTL 0 here)', async (t) => {
      const { id, token } = await issueToken(database.db, 2);
      t.equal((await app.inject({ url: '/tags', headers: bearer(token) })).statusCode, 200);
      await revokeToken(database.db, id);
      t.equal((await app.inject({ url: '/tags', headers: bearer(token) })).statusCode, 401);
    });

    t.test('the request logs never contain a token', async (t) => {
      t.ok(logs.length > 0, 'requests were logged');
      const all = logs.join('\n');
      for (const { token } of [admin, author]) {
        t.notOk(all.includes(token), 'whole token absent');
        // The secret is base64url and may itself contain '_': take it as the parser does.
        t.notOk(all.includes(parseToken(token)!.secret), 'secret absent');
      }
      t.notOk(all.includes('nonsense'), 'not even an invalid one');
    });
  });
});
