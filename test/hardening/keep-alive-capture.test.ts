/**
 * Regression for the leak the 5-minute soak found: the per-request query
 * capture (Server-Timing) must end with its request. On a keep-alive socket
 * each request's hooks run in the async context the previous request left
 * behind, so a capture that inherits that context's captures makes the list
 * grow by one per request, with every later query appended to all of them
 * (RSS grew by ~250 MB/min under load).
 */
import { request as httpRequest, Agent } from 'node:http';
import Fastify from 'fastify';
import { sql } from 'kysely';
import t from 'tap';
import type { QueryCapture } from '../../src/orm/index.js';
import { registerServerTiming } from '../../src/plugins/server-timing.js';
import { openPGlite } from '../helpers/databases.js';

const REQUESTS = 100;

t.test('a request capture sees only its own queries, however many requests share the socket', async (t) => {
  const database = await openPGlite();
  t.teardown(() => database.close());
  const app = Fastify();
  registerServerTiming(app);
  const captures: QueryCapture[] = [];
  app.get('/one-query', async (request) => {
    captures.push(request.queryCapture!);
    await sql`select 1`.execute(database.db);
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  const { port } = app.server.address() as { port: number };

  // One socket for every request, as a browser or a load balancer would keep it.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const timings: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    timings.push(
      await new Promise<string>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/one-query', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.headers['server-timing'])));
        });
        req.on('error', reject);
        req.end();
      }),
    );
  }

  t.equal(captures.length, REQUESTS);
  t.ok(timings.every((timing) => timing.includes('desc="1 queries"')), 'every response reports its one query');
  const counts = captures.map((capture) => capture.count);
  t.same(counts.filter((count) => count !== 1).slice(0, 5), [], `no capture kept counting after its request ended (first: ${counts[0]}, last: ${counts[REQUESTS - 1]})`);
});
