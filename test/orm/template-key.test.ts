/**
 * The SQL template cache is keyed structurally (select-template.ts): for every
 * field of a SelectSpec, a change that changes the SQL text changes the key,
 * and a change of bound values only (keys, bounds, filter values, the row cap)
 * keeps it, so the template is reused. A field added to SelectSpec without a
 * KEY_PARTS entry does not compile; one whose entry misses what changes the
 * SQL fails here. Compiler only: no database.
 */
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import t from 'tap';
import { Article, Author, Tag } from '../../src/models/index.js';
import { Count, OuterRef, Q } from '../../src/orm/index.js';
import { toFilterNode } from '../../src/orm/q.js';
import { templateKey } from '../../src/orm/sql/select-template.js';
import { compileSelect, type SelectSpec } from '../../src/orm/sql/select.js';

const db = new Kysely<any>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new PostgresIntrospector(kysely),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const base: SelectSpec = {
  model: Article,
  filters: [toFilterNode({ isPublished: true })],
  ordering: ['-pubDate'],
  low: 0,
  high: 10,
  only: undefined,
  defer: [],
  selectRelated: [],
  annotations: [],
  restriction: Author.meta.relations.articles.restriction([1, 2]),
  maxRows: undefined,
  version: false,
  lock: undefined,
  sliceForm: undefined,
  relatedConditions: undefined,
};

const sqlOf = (spec: SelectSpec) => compileSelect(spec).query.compile(db).sql;

/** For every field: variants that change the SQL text. */
const changesSql: { [K in keyof Required<SelectSpec>]: Partial<SelectSpec>[] } = {
  model: [{ model: Tag, ordering: [], restriction: undefined, filters: [] }],
  filters: [
    { filters: [] },
    { filters: [toFilterNode({ isPublished: true, title__icontains: 'x' })] },
    { filters: [toFilterNode({ categoryId: null })] },
    { filters: [toFilterNode({ isPublished: true }), Q.exists(Author.objects.filter({ id: new OuterRef('authorId'), name: 'x' }))] },
  ],
  ordering: [{ ordering: ['title'] }, { ordering: ['-pubDate', 'title'] }],
  low: [{ low: 3 }],
  high: [{ high: undefined }],
  only: [{ only: ['title'] }],
  defer: [{ defer: ['body'] }],
  selectRelated: [{ selectRelated: ['author'] }],
  annotations: [{ annotations: [['n', Count('comments')]] }],
  restriction: [{ restriction: undefined }, { restriction: Article.meta.relations.tags.restriction([1]), model: Article }],
  maxRows: [{ maxRows: 50 }],
  version: [{ version: true }],
  lock: [{ lock: 'update', high: undefined, restriction: undefined }, { lock: 'key share', high: undefined, restriction: undefined }],
  sliceForm: [{ sliceForm: 'window' }, { sliceForm: 'lateral' }],
  relatedConditions: [{ selectRelated: ['author'], relatedConditions: [['author', toFilterNode({ name: 'x' })]] }],
};

/** Variants that change bound values only: the same SQL text, the same template. */
const valuesOnly: Partial<SelectSpec>[] = [
  { filters: [toFilterNode({ isPublished: false })] },
  { high: 20 },
  { restriction: Author.meta.relations.articles.restriction([3, 4]) },
  { maxRows: undefined },
];

t.test('every field that changes the SQL changes the key', async (t) => {
  t.ok(templateKey(base), 'the base spec is cacheable');
  for (const [field, variants] of Object.entries(changesSql) as [keyof SelectSpec, Partial<SelectSpec>[]][]) {
    let changed = false;
    for (const change of variants) {
      // Two specs that differ in this one field only.
      const variant = { ...base, ...change };
      const other = { ...variant, [field]: base[field] };
      if (sqlOf(variant) === sqlOf(other)) continue;
      changed = true;
      t.not(templateKey(variant), templateKey(other), `${field}: ${JSON.stringify(change, (k, v) => (k === 'model' ? v.name : v))}`);
    }
    // A variant list that changed no SQL would prove nothing.
    t.ok(changed, `${field} has a variant that changes the SQL`);
  }
});

t.test('bound values alone keep the key (the template is reused)', async (t) => {
  for (const change of valuesOnly) {
    const variant = { ...base, ...change };
    t.equal(sqlOf(variant), sqlOf(base), `${JSON.stringify(Object.keys(change))}: same SQL text`);
    t.equal(templateKey(variant), templateKey(base), `${JSON.stringify(Object.keys(change))}: same key`);
  }
});

t.test('an exists with other values keeps its key; a selectRelatedIf condition is not cached', async (t) => {
  const withName = (name: string): SelectSpec => ({
    ...base,
    filters: [Q.exists(Author.objects.filter({ id: new OuterRef('authorId'), name }))],
  });
  t.equal(sqlOf(withName('x')), sqlOf(withName('y')));
  t.ok(templateKey(withName('x')));
  t.equal(templateKey(withName('x')), templateKey(withName('y')));
  t.equal(templateKey({ ...base, selectRelated: ['author'], relatedConditions: [['author', toFilterNode({ name: 'x' })]] }), undefined);
});

t.test('a restriction of unknown shape or a filtered count is not cached', async (t) => {
  const { shape: _shape, ...unshaped } = base.restriction!;
  t.equal(templateKey({ ...base, restriction: unshaped }), undefined);
  t.equal(templateKey({ ...base, annotations: [['n', Count('comments', { filter: { body__icontains: 'x' } })]] }), undefined);
});
