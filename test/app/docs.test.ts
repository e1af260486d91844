import t from 'tap';
import { buildApp } from '../../src/app.js';
import { openPGlite } from '../helpers/databases.js';

// The document does not depend on data: one empty PGlite for the whole file.
await t.test('OpenAPI document and UI', async (t) => {
const database = await openPGlite();
t.teardown(() => database.close());
const app = await buildApp({ database });
t.teardown(() => app.close());
const doc = (await app.inject('/docs/json')).json();
// Also keeps PGlite from hanging on close: a PGlite closed before its first query keeps the process alive.
t.equal((await app.inject('/health/ready')).statusCode, 200);

t.test('an OpenAPI 3 document with one component per resource', async (t) => {
  t.match(doc.openapi, /^3\./);
  for (const name of ['Author', 'Category', 'Article', 'Tag', 'Comment', 'Reaction', 'Problem']) {
    t.ok(doc.components.schemas[name], name);
  }
  t.match(JSON.stringify(doc.components.schemas.Article.properties.author), '"$ref":"#/components/schemas/Author"');
  t.match(doc.components.schemas.Article.properties.comments, { type: 'array', items: { $ref: '#/components/schemas/Comment' } });
  t.same(doc.components.schemas.Article.required, ['id']);
});

t.test('every resource has a list and a detail route whose include documents relations and presets', async (t) => {
  for (const resource of ['authors', 'articles', 'categories', 'tags', 'comments', 'reactions']) {
    for (const path of [`/${resource}`, `/${resource}/{id}`]) {
      const operation = doc.paths[path]?.get;
      t.ok(operation, path);
      const include = operation.parameters.find((p: any) => p.name === 'include' && p.in === 'query');
      t.ok(include, `${path} documents include`);
      t.match(include.description, /Relations to embed/);
      t.match(include.description, /Examples: `/);
      t.ok(Object.keys(include.examples ?? {}).length >= 1, `${path} include has examples`);
    }
  }
  const articles = doc.paths['/articles'].get.parameters.find((p: any) => p.name === 'include').description;
  for (const text of ['`author`: to-one → authors', '`category`: to-one, nullable', '`tags`', '`active`', '`comments`', '`recentN`', 'up to 4 levels', '`comments:recent5`']) {
    t.ok(articles.includes(text), `articles include mentions ${text}`);
  }
  const authors = doc.paths['/authors'].get.parameters.find((p: any) => p.name === 'include').description;
  t.match(authors, /`published`/);
  const reactions = doc.paths['/reactions'].get.parameters.find((p: any) => p.name === 'include').description;
  t.match(reactions, /`target`: generic to-one \(articles or comments/);
  const names = doc.paths['/articles'].get.parameters.map((p: any) => p.name);
  for (const name of ['sort', 'page[size]', 'page[after]', 'filter[isPublished]', 'fields[articles]']) t.ok(names.includes(name), name);
});

t.test('the UI is served at /docs', async (t) => {
  const response = await app.inject('/docs');
  const page = response.statusCode === 302 ? await app.inject(String(response.headers.location)) : response;
  t.equal(page.statusCode, 200);
  t.match(page.body, /swagger/i);
});
});
