/**
 * Page first, then JOIN: a sliced query whose filters and ordering use only
 * its own columns takes its page in a subquery and joins the to-one relations
 * to those rows only. The rows, their order and the joined instances are the
 * same as slicing the unsliced query's results; a filter or an ordering
 * through a relation keeps the plain JOIN.
 */
import t from 'tap';
import { Article, Comment } from '../../src/models/index.js';
import { captureQueries, loaded, type QuerySet, Session } from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';


const PAGE_FIRST = /from \(select "t0"\.\* from "\w+" as "t0"/;

function summary(rows: any[], relations: string[]) {
  return rows.map((row) => [row.id, ...relations.map((name) => (loaded(row, name) as any)?.id ?? null)]);
}

t.test('page first, then JOIN', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    await seedFixtures(db);
    const cases: [string, QuerySet<any>, string[], [number, number], boolean][] = [
      ['articles by -pubDate with author and nullable category', Article.objects.using(session).orderBy('-pubDate').selectRelated('author', 'category'), ['author', 'category'], [0, 5], true],
      ['an offset', Article.objects.using(session).orderBy('-pubDate', '-id').selectRelated('category'), ['category'], [3, 7], true],
      ['a filter on own columns', Article.objects.using(session).filter({ isPublished: true }).orderBy('title').selectRelated('author'), ['author'], [0, 4], true],
      ['comments: nullable author, two levels', Comment.objects.using(session).orderBy('-createdAt').selectRelated('author', 'article__author'), ['author', 'article'], [0, 6], true],
      ['a filter through the join stays a JOIN', Article.objects.using(session).filter({ author__name__icontains: 'a' }).orderBy('-pubDate').selectRelated('author'), ['author'], [0, 3], false],
      ['an ordering through the join stays a JOIN', Article.objects.using(session).orderBy('category__name', 'id').selectRelated('category'), ['category'], [0, 4], false],
    ];
    for (const [name, queryset, relations, [low, high], expectPageFirst] of cases) {
      await t.test(name, async (t) => {
        const all = await queryset;
        const { result: page, capture } = await captureQueries(session, () => queryset.slice(low, high).fetch());
        t.equal(PAGE_FIRST.test(capture.queries[0].sql), expectPageFirst, capture.queries[0].sql);
        t.ok(page.length > 0);
        t.same(summary(page, relations), summary(all.slice(low, high), relations), 'the same rows, order and joined rows');
        if (relations.includes('article')) {
          t.same(page.map((c: any) => loaded(loaded(c, 'article') as any, 'author') && (loaded(loaded(c, 'article') as any, 'author') as any).id),
            all.slice(low, high).map((c: any) => (loaded(loaded(c, 'article') as any, 'author') as any).id), 'second level');
        }
      });
    }
  });
});
