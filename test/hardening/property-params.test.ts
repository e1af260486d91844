/**
 * Property-based: any string in any query parameter (and any extra parameter
 * name, and any id) yields 200 or 400 (404 for ids), never a 5xx, and no
 * body leaks a stack trace, SQL or a file path. Runs on PGlite and PostgreSQL.
 */
import fc from 'fast-check';
import t from 'tap';
import { eachDatabase } from '../helpers/databases.js';
import { encodeAll, fixtureApp, rowCounts, unsafeResponse } from './hostile-http.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

/** Tokens of the API's own grammar, so generated strings reach past the first check of each parser. */
const TOKENS = [
  'author', 'category', 'tags', 'comments', 'reactions', 'articles', 'target', 'recent5', 'recent0', 'recent51',
  'recent999999', 'published', 'active', 'id', 'title', 'pubDate', '-pubDate', 'createdAt', 'isPublished', 'authorId',
  ',', ',', '.', '.', ':', '-', '+', ' ', 'null', 'true', 'false', '1', '0', '-1', '100', '101', '9223372036854775807',
  '9223372036854775808', '1e3', '0x10', "'", '"', '%', '\u0000', '[', ']', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '\u202e', '😀',
];

const grammarish = fc.array(fc.constantFrom(...TOKENS), { maxLength: 14 }).map((parts) => parts.join(''));
const anyString = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 80 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 1 },
  { arbitrary: grammarish, weight: 4 },
  { arbitrary: fc.base64String({ maxLength: 120 }), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => 'a,'.repeat(n)), weight: 1 },
);

/** The list parameters of API.md §4, each fed arbitrary strings. */
const PARAMETERS = ['include', 'fields[articles]', 'fields[authors]', 'sort', 'filter[authorId]', 'filter[isPublished]', 'page[size]', 'page[after]'];

const SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 31);
t.comment(`fast-check seed ${SEED} (PROPERTY_SEED=${SEED} replays it)`);

await eachDatabase(t, async (t, database) => {
  const app = await fixtureApp(t, database);
  const before = await rowCounts(database.db);

  /** Asserts the property for every generated URL; fast-check shrinks a failure to the smallest input. */
  const check = async (name: string, arbitrary: fc.Arbitrary<{ url: string; input: string }>, allowed: number[]) => {
    const details = await fc.check(
      fc.asyncProperty(arbitrary, async ({ url, input }) => {
        const problem = unsafeResponse(await app.inject({ method: 'GET', url }), input, allowed);
        if (problem) throw new Error(`GET ${url}: ${problem}`);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // One failing parameter must not hide the others: report and go on.
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    t.notOk(details.failed, `${name}: ${RUNS} runs, every response ${allowed.join('/')} and clean`, details.failed ? { error } : {});
  };

  for (const parameter of PARAMETERS) {
    await check(parameter, anyString.map((value) => ({ url: `/articles?${encodeAll(parameter)}=${encodeAll(value)}`, input: value })), [200, 400]);
  }

  // A real cursor with one character changed: the decoder must refuse it, not trust it.
  const first = await app.inject('/articles?page[size]=2&sort=-pubDate');
  const cursor = new URLSearchParams(first.json().links.next.split('?')[1]).get('page[after]')!;
  const tampered = fc
    .tuple(fc.nat({ max: cursor.length - 1 }), fc.string({ minLength: 1, maxLength: 1 }))
    .map(([at, char]) => cursor.slice(0, at) + char + cursor.slice(at + 1));
  await check(
    'tampered cursor',
    tampered.map((value) => ({ url: `/articles?page[size]=2&sort=-pubDate&page[after]=${encodeAll(value)}`, input: value })),
    [200, 400],
  );

  await check(
    'extra parameter names',
    fc.tuple(anyString, anyString).map(([name, value]) => ({ url: `/articles?${encodeAll(name)}=${encodeAll(value)}`, input: name + value })),
    [200, 400],
  );

  // Raw, unencoded query strings: broken percent escapes, stray brackets, repeats.
  const rawQuery = fc
    .array(fc.constantFrom('%', '%zz', '%00', '%C3', '%E2%80', '[', ']', '[]', '&', '=', '+', ';', 'include', 'page', 'fields', 'filter', 'sort', 'a', '1', '..'), { maxLength: 20 })
    .map((parts) => parts.join(''));
  await check('raw query strings', rawQuery.map((query) => ({ url: `/articles?${query}`, input: decodeLoosely(query) })), [200, 400]);

  // Any id, with any include: well-formed unknown ids are 404, everything else 400 (or a real row);
  // 414 is fair for an id longer than the router accepts, if it is a problem+json like every error.
  await check(
    'id path',
    fc.tuple(fc.oneof(anyString, fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String)), anyString).map(([id, include]) => ({
      url: `/articles/${encodeAll(id)}?include=${encodeAll(include)}`,
      input: id + include,
    })),
    [200, 400, 404, 414],
  );

  // Every parameter at once.
  const everything = fc.record(Object.fromEntries(PARAMETERS.map((p) => [p, fc.option(anyString, { nil: undefined })])));
  await check(
    'all parameters together',
    everything.map((values) => {
      const present = Object.entries(values).filter(([, v]) => v !== undefined) as Array<[string, string]>;
      return { url: `/articles?${present.map(([k, v]) => `${encodeAll(k)}=${encodeAll(v)}`).join('&')}`, input: present.map(([, v]) => v).join('\n') };
    }),
    [200, 400],
  );

  t.same(await rowCounts(database.db), before, 'every table has the rows it had');
});

/** What a server may decode a raw query into, for the leak check's "did the client send this" test. */
function decodeLoosely(query: string): string {
  try {
    return decodeURIComponent(query);
  } catch {
    return query;
  }
}
