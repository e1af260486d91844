/**
 * Regression for the leak the 5-minute soak found: the per-request query
 * capture (Server-Timing) must end with its request. It once lived in an
 * AsyncLocalStorage, and on a keep-alive socket each request's hooks ran in
 * the async context the previous request left behind, so every capture kept
 * counting (RSS grew by ~250 MB/min under load). The capture is now the
 * request's own session (src/plugins/session.ts); this checks that each of
 * many requests on one socket, and of concurrent ones, counts its own
 * queries and nothing after it ended.
 */
import { request as httpRequest, Agent } from 'node:http';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import type { Session } from '../../src/orm/index.js';
import { insertBlog } from '../app/blog.fixture.js';
import { eachDatabase } from '../helpers/databases.js';

const REQUESTS = 100;

t.test('a request capture sees only its own queries, however many requests share the socket', async (t) => {
  await eachDatabase(t, async (t, database) => {
    await insertBlog(database.db);
    const app = await buildApp({ database });
    const captures: Session[] = [];
    app.addHook('onResponse', async (request) => {
      captures.push(request.session);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    t.teardown(() => app.close());
    const { port } = app.server.address() as { port: number };

    // One socket for every request, as a browser or a load balancer would keep it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.teardown(() => agent.destroy());
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.headers['server-timing'])));
        });
        req.on('error', reject);
        req.end();
      });
    const timings: string[] = [];
    for (let i = 0; i < REQUESTS; i++) timings.push(await get(i % 2 ? '/articles?include=tags' : '/articles'));

    t.equal(captures.length, REQUESTS);
    t.same(
      timings.map((timing) => /desc="(\d+) queries"/.exec(timing)?.[1]),
      timings.map((_, i) => (i % 2 ? '2' : '1')),
      'every response reports its own queries: 1 for the page, 2 with tags',
    );
    const counts = captures.map((capture) => capture.count);
    t.same(counts, counts.map((_, i) => (i % 2 ? 2 : 1)), 'no capture kept counting after its request ended');
  });
});
