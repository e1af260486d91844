/**
 * The drain's first step, without a process or a clock: once `drain` is
 * called, readiness fails while requests are still served, each telling its
 * client to close the connection. (The whole shutdown under load, through
 * `npm start` and a real socket, is test/hardening/graceful-shutdown.test.ts.)
 */
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { eachDatabase } from '../helpers/databases.js';
import { insertBlog } from './blog.fixture.js';

await eachDatabase(t, async (t, database) => {
  await insertBlog(database.db);
  const app = await buildApp({ database });
  t.equal((await app.inject('/health/ready')).statusCode, 200, 'ready before');
  t.equal(app.draining, false);
  const closed = app.drain(60_000);
  t.equal(app.draining, true);
  const ready = await app.inject('/health/ready');
  t.equal(ready.statusCode, 503, 'readiness fails at once');
  t.match(ready.json(), { type: 'urn:loom:problem:shutting-down', status: 503 });
  const read = await app.inject('/articles?include=author');
  t.equal(read.statusCode, 200, 'requests are still served');
  t.equal(read.headers.connection, 'close', 'and close their connection');
  t.equal(app.drain(0), closed, 'a second signal changes nothing');
  await app.close();
});
