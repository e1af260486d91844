/**
 * Q.row: a row-value comparison, `(created_at, id) > ($1, $2)`, matches what
 * the nested form matches (ties on the first field broken by the second), in
 * both directions; a NULL value matches nothing, as SQL says.
 */
import t from 'tap';
import { Comment } from '../../src/models/index.js';
import { Q, Session } from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';

t.test('Q.row', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);
    const ids = (rows: any[]) => rows.map((row) => row.id);
    for (const pivot of fx.comments) {
      const after = await Comment.objects.using(session).filter(Q.row(['createdAt', 'id'], '>', [pivot.createdAt, pivot.id])).orderBy('createdAt', 'id');
      const expected = fx.comments
        .filter((c) => +c.createdAt > +pivot.createdAt || (+c.createdAt === +pivot.createdAt && c.id > pivot.id))
        .sort((a, b) => +a.createdAt - +b.createdAt || a.id - b.id);
      t.same(ids(after), ids(expected), `after comment ${pivot.key}`);
      const before = await Comment.objects.using(session).filter(Q.row(['createdAt', 'id'], '<', [pivot.createdAt, pivot.id])).orderBy('-createdAt', '-id');
      t.equal(before.length + after.length + 1, fx.comments.length, `before and after comment ${pivot.key} partition the rest`);
    }
    t.same(await Comment.objects.using(session).filter(Q.row(['authorId', 'id'], '>', [null, 0])), [], 'a NULL value matches nothing');
    t.throws(() => Q.row(['createdAt', 'id'], '>', [new Date()]), /as many values as fields/);
  });
});
