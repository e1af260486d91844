/**
 * Hydration consumes the driver's row array: the instances keep the values,
 * the array is emptied so that a pretenured (old-generation) array cannot keep
 * every row alive until a full GC (see `releaseRows` in query-set.ts).
 */
import t from 'tap';
import { Article } from '../../src/models/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';

t.test('hydration empties the row array and keeps the values', async (t) => {
  await eachDatabase(t, async (t, { db }) => {
    const fx = await seedFixtures(db);
    const pending = Article.objects.using(db).orderBy('id').selectRelated('author').startFetch();
    const { rows } = await pending.db.executeQuery(pending.query!);
    t.equal(rows.length, fx.articles.length, 'the query returned every article');
    const instances = pending.take(rows as Record<string, unknown>[]);
    t.equal(rows.length, 0, 'the driver rows are released once hydrated');
    const expected = [...fx.articles].sort((a, b) => a.id - b.id);
    t.same(instances.map((a) => [a.id, a.title, a.authorId]), expected.map((a) => [a.id, a.title, a.authorId]));
    t.same(instances.map((a) => a.author.id), expected.map((a) => a.authorId), 'joined rows hydrated too');
  });
});
