/**
 * Filtered SELECTs reuse a compiled template per filter shape: the same SQL
 * text with this run's values, and another text where a value changes the
 * SQL (`is null`, an empty `in`). Results stay those of the values given.
 */
import t from 'tap';
import { Article, Comment } from '../../src/models/index.js';
import { captureQueries, Q, Session } from '../../src/orm/index.js';
import { filterBinds } from '../../src/orm/sql/where.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';

const ids = (rows: any[]) => rows.map((row) => row.id).sort((a: number, b: number) => a - b);

t.test('filter templates', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);
    const texts = new Set<string>();
    for (const author of fx.authors) {
      const { result, capture } = await captureQueries(session, () => Article.objects.using(session).filter({ authorId: author.id, isPublished: true }).fetch());
      texts.add(capture.queries[0].sql);
      t.same(ids(result), ids(fx.articles.filter((a) => a.authorId === author.id && a.isPublished)), author.key);
    }
    t.equal(texts.size, 1, 'one SQL text for one filter shape');

    const nullCategory = await Article.objects.using(session).filter({ categoryId: null });
    t.same(ids(nullCategory), ids(fx.articles.filter((a) => a.categoryId === null)), 'exact null: is null');
    const tech = await Article.objects.using(session).filter({ categoryId: fx.category('tech').id });
    t.same(ids(tech), ids(fx.articles.filter((a) => a.categoryId === fx.category('tech').id)), 'then a value again');

    t.same(await Article.objects.using(session).filter({ id__in: [] }), [], 'an empty in matches nothing');
    const some = [fx.article('orm').id, fx.article('joins').id];
    t.same(ids(await Article.objects.using(session).filter({ id__in: some })), [...some].sort((a, b) => a - b), 'then a list');

    for (const word of ['ORM', 'o', '%', '_']) {
      const rows = await Article.objects.using(session).filter(Q.or({ title__icontains: word }, Q.not({ pubDate__isnull: false })));
      const expected = fx.articles.filter((a) => a.title.toLowerCase().includes(word.toLowerCase()) || a.pubDate === null);
      t.same(ids(rows), ids(expected), `icontains ${word} or unpublished`);
    }
    for (const pivot of fx.comments.slice(0, 4)) {
      const rows = await Comment.objects.using(session).filter({ articleId: pivot.articleId }, Q.row(['createdAt', 'id'], '>', [pivot.createdAt, pivot.id]));
      const expected = fx.comments.filter((c) => c.articleId === pivot.articleId && (+c.createdAt > +pivot.createdAt || (+c.createdAt === +pivot.createdAt && c.id > pivot.id)));
      t.same(ids(rows), ids(expected), `row values after ${pivot.key}`);
    }
  });
});

t.test('filterBinds: the shape names what values decide in the SQL', async (t) => {
  const shape = (filter: Parameters<typeof Article.objects.filter>[0]) => filterBinds([Article.objects.filter(filter).filterNodes[0]]);
  t.equal(shape({ authorId: 1 }).shape, shape({ authorId: 2 }).shape);
  t.same(shape({ authorId: 1 }).values, [1]);
  t.not(shape({ categoryId: null }).shape, shape({ categoryId: 1 }).shape);
  t.not(shape({ id__in: [] }).shape, shape({ id__in: [1] }).shape);
  t.same(shape({ title__contains: 'a%' }).values, ['%a\\%%']);
  t.same(shape({ id__in: [3, 4] }).values, [[3, 4]]);
});
