/**
 * A corpus of classic SQL-injection payloads in every query parameter and in
 * the id path of every resource: each answer is a clean 200/400/404, text
 * filters match the payload literally, and afterwards every table still holds
 * exactly its rows. Runs on PGlite and PostgreSQL.
 */
import t from 'tap';
import { eachDatabase } from '../helpers/databases.js';
import { encodeAll, fixtureApp, rowCounts, unsafeResponse } from './hostile-http.js';

const CORPUS = [
  "' or 1=1--",
  "' OR '1'='1",
  "1' or '1'='1' /*",
  '1 or 1=1',
  '1; drop table articles',
  "1'; drop table articles; --",
  '1); delete from authors; --',
  '") union select null, version() --',
  "') union select id, email from authors --",
  '1 union all select pg_sleep(5)',
  "'; select pg_sleep(5); --",
  '1; copy articles to program \'id\'',
  "\u2019 or 1=1--", // right single quotation mark
  "\uff07 or 1=1--", // fullwidth apostrophe
  'ʼ; drop table tags;--', // modifier letter apostrophe
  "admin'\u0000--",
  '\u0000',
  '%00',
  '%27%20or%201%3D1--',
  '$1',
  '$$; drop table comments; $$',
  '\\x27; truncate reactions; --',
  'E\'\\x27\'',
  '/**/or/**/1=1',
  '-1',
  '0x7fffffffffffffff',
  '1e309',
  '9999999999999999999999999999',
  'NaN',
  'null',
  '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
  '((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))',
  '{"$where": "1"}',
  'author.' + 'articles.'.repeat(50) + 'author',
  "x'".repeat(5000),
  'a'.repeat(20_000),
];

/** Where a payload can go on GET /articles: every list parameter, and a filter on each kind of field. */
const LIST_SLOTS = ['include', 'fields[articles]', 'fields[authors]', 'sort', 'filter[authorId]', 'filter[isPublished]', 'filter[categoryId]', 'page[size]', 'page[after]'];

const RESOURCES = ['authors', 'articles', 'categories', 'tags', 'comments', 'reactions'];

await eachDatabase(t, async (t, database) => {
  const app = await fixtureApp(t, database);
  const before = await rowCounts(database.db);
  const failures: Array<{ url: string; problem: string }> = [];
  let requests = 0;
  const expectSafe = async (url: string, input: string, allowed: number[]) => {
    requests++;
    const problem = unsafeResponse(await app.inject({ method: 'GET', url }), input, allowed);
    if (problem) failures.push({ url, problem });
  };

  for (const payload of CORPUS) {
    const value = encodeAll(payload);
    for (const slot of LIST_SLOTS) await expectSafe(`/articles?${encodeAll(slot)}=${value}`, payload, [200, 400]);
    // As a parameter name, too, and as the relation inside a bracket.
    await expectSafe(`/articles?${value}=1`, payload, [400]);
    await expectSafe(`/articles?fields[${value}]=id`, payload, [400]);
    await expectSafe(`/articles?filter[${value}]=1`, payload, [400]);
    for (const resource of RESOURCES) {
      // 414 (URI too long) is fair for a huge id, as long as it is a problem+json like every error.
      await expectSafe(`/${resource}/${value}`, payload, [400, 404, 414]);
      await expectSafe(`/${resource}/1?include=${value}`, payload, [200, 400, 404]);
    }
  }
  // Malformed percent escapes in the path itself (not encodable through encodeAll).
  for (const path of ['%zz', '%', '%E0%A4%A', '%C0%AE%C0%AE', '1%2F..%2F..']) {
    for (const resource of RESOURCES) await expectSafe(`/${resource}/${path}`, path, [400, 404]);
  }
  // One line per kind of failure (its first 60 characters), with a count and an example URL.
  const kinds = new Map<string, { count: number; example: string }>();
  for (const { url, problem } of failures) {
    const kind = kinds.get(problem.slice(0, 60)) ?? { count: 0, example: url.slice(0, 80) };
    kind.count++;
    kinds.set(problem.slice(0, 60), kind);
  }
  const summary = [...kinds].map(([problem, { count, example }]) => `${count} x ${problem} (e.g. GET ${example})`);
  t.same(summary, [], `${requests} injection requests answered 200/400/404, clean (${failures.length} did not)`);

  // Text filters compare the payload as a value: it matches nothing, and never everything.
  for (const payload of CORPUS.slice(0, 12)) {
    for (const filter of ['kind', 'targetType']) {
      const response = await app.inject(`/reactions?filter[${filter}]=${encodeAll(payload)}`);
      if (response.statusCode === 200) t.same(response.json().data, [], `filter[${filter}]=${payload.slice(0, 30)} matches no row`);
      else t.equal(response.statusCode, 400, `filter[${filter}]=${payload.slice(0, 30)} is refused`);
    }
  }

  t.same(await rowCounts(database.db), before, 'every table has exactly the rows it had');
  const sample = await app.inject('/articles?include=author,tags&page[size]=100');
  t.equal(sample.statusCode, 200, 'the API still answers');
  const published = await database.db.selectFrom('articles').select('id').where('is_published', '=', true).execute();
  t.equal(sample.json().data.length, published.length, 'and lists every article anonymous may see');
});
