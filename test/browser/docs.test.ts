/**
 * The OpenAPI UI in a real browser: find GET /articles, "Try it out" with an
 * include, execute, and check the response the UI shows; then create an
 * article with POST /articles from the UI.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { issueToken } from '../../src/auth/tokens.js';
import { openPGlite } from '../helpers/databases.js';
import { insertBlog } from '../app/blog.fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const artifacts = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;

/**
 * The service on a fresh PGlite with the blog fixture, and its /docs page in
 * headless Chromium; `admin`: every browser request carries an admin's token.
 */
async function openDocs(t: Test, options: { admin?: boolean } = {}) {
  const { chromium } = await import('playwright-core');
  const database = await openPGlite();
  t.teardown(() => database.close());
  await insertBlog(database.db);
  // Writes need a token (API.md §6).
  const token = options.admin ? (await issueToken(database.db, null)).token : undefined;
  const app = await buildApp({ database });
  t.teardown(() => app.close());
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  t.teardown(() => browser.close());
  const headers = token ? { authorization: `Bearer ${token}` } : undefined;
  const page = await browser.newPage({ viewport: { width: 1400, height: 2400 }, extraHTTPHeaders: headers });
  await page.goto(`${address}/docs`);
  return { app, page, headers };
}

await t.test('Try it out: GET /articles?include=tags,comments:recent5', { skip }, async (t) => {
  const { page } = await openDocs(t);

  const operation = page.locator('#operations-articles-listArticles');
  await operation.locator('.opblock-summary').first().click();
  const include = operation.locator('tr[data-param-name="include"]');
  await include.waitFor();
  t.match(await include.innerText(), /Relations to embed/, 'the include parameter is documented');
  t.match(await include.innerText(), /recentN/, 'with its presets');

  await operation.locator('button.try-out__btn').click();
  const input = include.locator('input[type="text"], select').first();
  if ((await input.evaluate((el) => el.tagName)) === 'SELECT') {
    // With examples, the UI shows an example picker above the text field.
    await include.locator('input[type="text"]').fill('tags,comments:recent5');
  } else {
    await input.fill('tags,comments:recent5');
  }
  await operation.locator('button.execute').click();

  const responseBody = operation.locator('.responses-wrapper .live-responses-table .response-col_description pre').first();
  await responseBody.waitFor({ timeout: 30_000 });
  const shown = await responseBody.innerText();
  const body = JSON.parse(shown);
  t.equal(body.data[0].id, 1);
  t.same(body.data[0].tags.map((tag: { name: string }) => tag.name), ['orm', 'sql', 'zeta']);
  t.same(body.data[0].comments.map((c: { id: number }) => c.id), [4, 3, 2, 1, 7]);
  const url = await operation.locator('.request-url pre').first().innerText();
  t.match(url, /include=tags%2Ccomments%3Arecent5|include=tags,comments:recent5/);

  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'docs-try-it-out.png'), fullPage: true });
});

await t.test('Try it out: POST /articles creates an article', { skip }, async (t) => {
  const { app, page, headers } = await openDocs(t, { admin: true });

  // Found by method and path, whatever its operationId.
  const operation = page.locator('.opblock.opblock-post').filter({ has: page.locator('[data-path="/articles"]') }).first();
  await operation.locator('.opblock-summary').first().click();
  await operation.locator('button.try-out__btn').click();
  const editor = operation.locator('textarea.body-param__text');
  await editor.waitFor();
  t.match(await editor.inputValue(), /"data"/, 'the request body comes with an example');
  await editor.fill(JSON.stringify({ data: { authorId: 2, title: 'From the docs', body: 'Written in the browser', tagIds: [4, 1] } }));
  await operation.locator('button.execute').click();

  const status = operation.locator('.responses-wrapper .live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout: 30_000 });
  t.match(await status.innerText(), /201/);
  const body = JSON.parse(await operation.locator('.responses-wrapper .live-responses-table .response-col_description pre').first().innerText());
  t.match(body.data, { title: 'From the docs', authorId: 2 });
  // Unpublished: only its author and admins see it.
  const stored = await app.inject({ url: `/articles/${body.data.id}?include=tags`, headers });
  t.same(stored.json().data.tags.map((tag: { name: string }) => tag.name), ['alpha', 'orm'], 'the article and its tags are in the database');

  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'docs-try-it-out-post.png'), fullPage: true });
});
