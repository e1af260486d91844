import t from 'tap';
import { ApiProblem } from '../../src/errors.js';
import { encodeCursor } from '../../src/routes/cursor.js';
import { parseDetailRequest, parseId, parseListRequest } from '../../src/routes/request-parser.js';
import { catalog, shape } from './catalog.fixture.js';

const articles = shape('articles');
const list = (query: Record<string, unknown>, resource = articles) => parseListRequest(resource, query, catalog);

function problemOf(fn: () => unknown): ApiProblem {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiProblem) return error;
    throw error;
  }
  throw new Error('accepted');
}
const issues = (query: Record<string, unknown>, resource = articles) => problemOf(() => list(query, resource)).errors;

t.test('defaults: id order, no filters, 20 rows', async (t) => {
  const parsed = list({});
  t.same(parsed.ordering, [{ field: 'id', descending: false }]);
  t.same(parsed.filters, []);
  t.equal(parsed.pageSize, 20);
  t.equal(parsed.after, undefined);
  t.equal(parsed.fields.size, 0);
});

t.test('sort: any scalar field, id appended unless named', async (t) => {
  t.same(list({ sort: '-pubDate,title' }).ordering.map((k) => (k.descending ? '-' : '') + k.field), ['-pubDate', 'title', 'id']);
  t.same(list({ sort: '-id' }).ordering.map((k) => (k.descending ? '-' : '') + k.field), ['-id']);
  t.match(issues({ sort: 'author' }), [{ parameter: 'sort', value: 'author', detail: /unknown field 'author' on articles; expected one of id, authorId/ }]);
  t.match(issues({ sort: 'title,-title' }), [{ value: '-title', detail: /appears twice/ }]);
  t.match(issues({ sort: '' }), [{ value: '', detail: /empty sort key/ }]);
  t.match(issues({ sort: '--id' }), [{ value: '--id' }]);
});

t.test('fields: scalar names, id always, relations and empty lists refused', async (t) => {
  const parsed = list({ 'fields[articles]': 'title,pubDate', 'fields[authors]': 'name' });
  t.same(parsed.fields.get('articles'), ['id', 'title', 'pubDate']);
  t.same(parsed.fields.get('authors'), ['id', 'name']);
  t.match(issues({ 'fields[articles]': 'title,author' }), [{ parameter: 'fields[articles]', value: 'author', detail: /is a relation of articles, not a field/ }]);
  t.match(issues({ 'fields[articles]': '' }), [{ parameter: 'fields[articles]', value: '', detail: /empty/ }]);
  t.match(issues({ 'fields[articles]': 'titel' }), [{ value: 'titel', detail: /unknown field 'titel' on articles; expected one of id, authorId, categoryId, title/ }]);
  t.match(issues({ 'fields[posts]': 'title' }), [{ parameter: 'fields[posts]', value: 'posts', detail: /unknown resource 'posts' in fields\[...\]; expected one of authors, categories, articles/ }]);
});

t.test('filters: booleans, null, lists, whitelist', async (t) => {
  t.same(list({ 'filter[isPublished]': 'true' }).filters, [{ field: 'isPublished', values: [true], orNull: false }]);
  t.same(list({ 'filter[authorId]': '1,2' }).filters, [{ field: 'authorId', values: [1, 2], orNull: false }]);
  t.same(list({ 'filter[categoryId]': 'null,3' }).filters, [{ field: 'categoryId', values: [3], orNull: true }]);
  t.same(list({ 'filter[authorId]': '9223372036854775807' }).filters, [{ field: 'authorId', values: [], orNull: false }], 'past 2^53: matches nothing');
  t.same(list({ 'filter[targetType]': 'article', 'filter[kind]': 'like,love' }, shape('reactions')).filters.length, 2);
  t.match(issues({ 'filter[isPublished]': 'yes' }), [{ parameter: 'filter[isPublished]', value: 'yes', detail: /expects true or false/ }]);
  t.match(issues({ 'filter[authorId]': '1,x' }), [{ value: 'x', detail: /expects an integer/ }]);
  t.match(issues({ 'filter[authorId]': '9223372036854775808' }), [{ value: '9223372036854775808' }]);
  t.match(issues({ 'filter[authorId]': 'null' }), [{ value: 'null', detail: 'articles.authorId is never null' }]);
  t.match(issues({ 'filter[authorId]': '1,' }), [{ value: '', detail: /empty value/ }]);
  t.match(issues({ 'filter[title]': 'x' }), [{ parameter: 'filter[title]', value: 'title', detail: /cannot filter articles by 'title'; filterable fields: isPublished, authorId, categoryId/ }]);
});

t.test('page[size] is 1..100', async (t) => {
  t.equal(list({ 'page[size]': '1' }).pageSize, 1);
  t.equal(list({ 'page[size]': '100' }).pageSize, 100);
  for (const bad of ['0', '101', '-1', '1.5', 'ten', '', ' 5']) {
    t.match(issues({ 'page[size]': bad }), [{ parameter: 'page[size]', value: bad, detail: /from 1 to 100/ }], bad);
  }
});

t.test('cursors bind the sort and filters they were made for', async (t) => {
  const first = list({ sort: '-pubDate', 'filter[isPublished]': 'true' });
  const cursor = encodeCursor(first.binding, [new Date('2025-01-02T03:04:05.000Z'), 7]);
  const next = list({ sort: '-pubDate', 'filter[isPublished]': 'true', 'page[after]': cursor });
  t.same(next.after, [new Date('2025-01-02T03:04:05.000Z'), 7]);
  const nullDate = encodeCursor(first.binding, [null, 8]);
  t.same(list({ sort: '-pubDate', 'filter[isPublished]': 'true', 'page[after]': nullDate }).after, [null, 8]);
  t.match(issues({ sort: 'pubDate', 'filter[isPublished]': 'true', 'page[after]': cursor }), [
    { parameter: 'page[after]', value: cursor, detail: /made for another sort or other filters/ },
  ]);
  t.match(issues({ sort: '-pubDate', 'page[after]': cursor }), [{ detail: /made for another sort or other filters/ }]);
  t.match(issues({ 'page[after]': 'not a cursor' }), [{ parameter: 'page[after]', detail: /invalid cursor/ }]);
  t.match(issues({ 'page[after]': Buffer.from('{"f":1}').toString('base64url') }), [{ detail: /invalid cursor/ }]);
  const forged = encodeCursor(first.binding, ['yesterday', 7]);
  t.match(issues({ sort: '-pubDate', 'filter[isPublished]': 'true', 'page[after]': forged }), [{ detail: /bad value for pubDate/ }]);
});

t.test('unknown and repeated parameters; all issues in one problem', async (t) => {
  t.match(issues({ includes: 'tags' }), [{ parameter: 'includes', value: 'includes', detail: /unknown query parameter 'includes'; expected include, fields/ }]);
  t.match(issues({ include: ['tags', 'author'] }), [{ parameter: 'include', value: 'include', detail: 'include is given 2 times; give it once' }]);
  const problem = problemOf(() => list({ include: 'tgas', sort: 'nope', 'page[size]': '0' }));
  t.equal(problem.status, 400);
  t.same(problem.errors!.map((i) => i.parameter), ['include', 'sort', 'page[size]']);
});

t.test('detail routes take include and fields only', async (t) => {
  const parsed = parseDetailRequest(articles, { include: 'tags', 'fields[tags]': 'name' }, catalog);
  t.same([...parsed.include.children.keys()], ['tags']);
  for (const name of ['sort', 'filter[isPublished]', 'page[size]', 'page[after]']) {
    const problem = problemOf(() => parseDetailRequest(articles, { [name]: '1' }, catalog));
    t.match(problem.errors, [{ parameter: name, detail: /not allowed on a single articles/ }], name);
  }
});

t.test('path ids: positive integers below 2^63', async (t) => {
  t.equal(parseId('articles', '1'), 1);
  t.equal(parseId('articles', '9007199254740991'), 9007199254740991);
  t.equal(parseId('articles', '9223372036854775807'), null, 'well-formed but past any stored id');
  for (const bad of ['0', '-1', '01', '1.0', 'abc', '9223372036854775808', '1e3', '']) {
    t.equal(problemOf(() => parseId('articles', bad)).status, 400, bad);
  }
});
