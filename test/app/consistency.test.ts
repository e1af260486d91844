/**
 * Consistency tokens without a replica (API.md §9): the syntax check, the
 * token a write response carries, and reads that send one back. The replica
 * side is test/scale-out/replica.test.ts.
 */
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { formatLsn, parseLsn, walInsertPosition } from '../../src/db/lsn.js';
import { eachDatabase } from '../helpers/databases.js';
import { insertBlog } from './blog.fixture.js';

t.test('LSN text round-trips and compares as a number', async (t) => {
  t.equal(parseLsn('0/16B3748'), 0x16b3748n);
  t.equal(parseLsn('1/0'), 1n << 32n);
  t.equal(formatLsn(parseLsn('a/ff')!), 'A/FF');
  t.ok(parseLsn('1/0')! > parseLsn('0/FFFFFFFF')!);
  for (const bad of ['', '0', '0/', '/0', '0/0/0', 'x/1', '123456789/0', ' 0/1', '-1/0']) t.equal(parseLsn(bad), undefined, JSON.stringify(bad));
});

await eachDatabase(t, async (t, database) => {
  await insertBlog(database.db);
  const app = await buildApp({ database });
  t.teardown(() => app.close());
  // Stands in for a write route: commit, then stamp.
  app.post('/test-writes', async (_request, reply) => {
    await database.db.insertInto('tags').values({ name: `tag-${Math.random()}`, active: true }).execute();
    await reply.stampConsistency();
    return reply.code(204).send();
  });

  t.test('a write response carries the position of its commit', async (t) => {
    const before = await walInsertPosition(database.db);
    const response = await app.inject({ method: 'POST', url: '/test-writes' });
    t.equal(response.statusCode, 204);
    const token = response.headers['loom-consistency'] as string;
    t.ok(parseLsn(token)! > before, `${token} is past the position before the write (${formatLsn(before)})`);
    const read = await app.inject({ url: '/tags', headers: { 'loom-consistency': token } });
    t.equal(read.statusCode, 200, 'sent back on a read: served (by the primary, the only database)');
  });

  t.test('a token the service could not have issued is a 400', async (t) => {
    for (const token of ['', 'latest', '0/XYZ', '1/2/3', '123456789/0']) {
      const response = await app.inject({ url: '/articles', headers: { 'loom-consistency': token } });
      t.equal(response.statusCode, 400, JSON.stringify(token));
      t.match(response.json(), { type: 'urn:loom:problem:invalid-consistency-token', status: 400 });
    }
    const twice = await app.inject({ url: '/articles', headers: { 'loom-consistency': ['0/1', '0/2'] } });
    t.equal(twice.statusCode, 400, 'two tokens');
  });

  t.test('a well-formed token far ahead is served (by the primary)', async (t) => {
    t.equal((await app.inject({ url: '/articles/1', headers: { 'loom-consistency': 'FFFFFFFF/FFFFFFFF' } })).statusCode, 200);
  });
});
