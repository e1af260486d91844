import t from 'tap';
import { buildApp } from '../../src/app.js';
import { problemResponses } from '../../src/openapi/responses.js';
import { createDatabase } from '../../src/db/database.js';
import { eachDatabase } from '../helpers/databases.js';
import { insertBlog } from './blog.fixture.js';

t.test('an unreachable database is a 503 with Retry-After, for reads and readiness', async (t) => {
  // A real pg pool pointed at a port nobody listens on.
  const database = await createDatabase({ url: 'postgres://postgres@127.0.0.1:9/none', connectionTimeoutMs: 500 });
  const app = await buildApp({ database, ownsDatabase: true });
  t.teardown(() => app.close());
  for (const url of ['/articles?include=tags', '/articles/1', '/health/ready']) {
    const response = await app.inject(url);
    t.equal(response.statusCode, 503, url);
    t.equal(response.headers['retry-after'], '5', url);
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(response.json(), { status: 503, title: 'Service Unavailable', requestId: String });
    t.notMatch(response.body, /ECONNREFUSED|127\.0\.0\.1|stack/);
  }
  t.equal((await app.inject('/health/live')).statusCode, 200, 'liveness does not need the database');
});

await eachDatabase(t, async (t, database) => {
  await insertBlog(database.db);

  t.test('an unexpected error is a 500 with the request id and no internals', async (t) => {
    const app = await buildApp({ database });
    t.teardown(() => app.close());
    app.get('/boom', { schema: { operationId: 'boom', response: problemResponses(500) } }, async () => {
      throw new Error('secret detail: select * from authors');
    });
    const response = await app.inject('/boom');
    t.equal(response.statusCode, 500);
    const body = response.json();
    t.match(body, { type: 'urn:loom:problem:internal', status: 500, requestId: String });
    t.equal(body.requestId, response.headers['x-request-id']);
    t.notMatch(response.body, /secret|select/);
  });

  t.test('a request past the row budget is refused', async (t) => {
    const app = await buildApp({ database, rowBudget: 12 });
    t.teardown(() => app.close());
    t.equal((await app.inject('/articles?include=tags')).statusCode, 200, '5 articles + 5 tags: 10 rows');
    const response = await app.inject('/articles?include=tags,comments');
    t.equal(response.statusCode, 400);
    t.match(response.json(), {
      type: 'urn:loom:problem:too-many-rows',
      detail: /more than 12 rows at include 'comments'/,
      errors: [{ parameter: 'include', value: 'comments' }],
    }, 'the 400 names the include to narrow');
    const nested = await app.inject('/authors?include=articles.comments');
    t.equal(nested.statusCode, 400);
    t.match(nested.json(), { errors: [{ parameter: 'include', value: 'articles.comments' }] }, 'a nested include by its dotted path');
    const page = await buildApp({ database, rowBudget: 2 });
    t.teardown(() => page.close());
    const tooBig = (await page.inject('/articles')).json();
    t.match(tooBig, { type: 'urn:loom:problem:too-many-rows', detail: /page\[size\]/ }, 'the page itself over the budget');
    t.notOk(tooBig.errors, 'no include to name');
  });
});
