/**
 * Hydration consumes the driver's row array: the instances keep the values,
 * the array is emptied so that a pretenured (old-generation) array cannot keep
 * every row alive until a full GC (see `releaseRows` in query-set.ts).
 */
import t from 'tap';
import { Article } from '../../src/models/index.js';
import { Session } from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';

t.test('hydration empties the row array and keeps the values', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database);
    const fx = await seedFixtures(db);
    // The driver's row array, as the session hands it on.
    let rows: unknown[] = [];
    const executeTogether = session.executeTogether.bind(session);
    session.executeTogether = async (queries) => {
      const results = await executeTogether(queries);
      rows = results[0].rows;
      t.equal(rows.length, fx.articles.length, 'the query returned every article');
      return results;
    };
    const instances = await Article.objects.using(session).orderBy('id').selectRelated('author');
    t.equal(rows.length, 0, 'the driver rows are released once hydrated');
    const expected = [...fx.articles].sort((a, b) => a.id - b.id);
    t.same(instances.map((a) => [a.id, a.title, a.authorId]), expected.map((a) => [a.id, a.title, a.authorId]));
    t.same(instances.map((a) => a.author.id), expected.map((a) => a.authorId), 'joined rows hydrated too');
  });
});
