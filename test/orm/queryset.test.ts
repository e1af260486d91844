/**
 * QuerySet basics: lookups, Q trees, ordering, slicing, only/defer, get /
 * first / count / exists, immutability, and the single array parameter of `in`.
 */
import t from 'tap';
import { Article, Comment } from '../../src/models/index.js';
import { DoesNotExist, FieldError, MultipleObjectsReturned, OrmError } from '../../src/orm/errors.js';
import { captureQueries, Q, Session } from '../../src/orm/index.js';
import { assertNumQueries } from '../../src/orm/testing.js';
import { eachDatabase } from '../helpers/databases.js';
import { type ArticleRow, seedFixtures, sortedIds } from './fixtures.js';


type Row = any;
const day = (d: string) => new Date(`${d}T12:00:00.000Z`);
const ids = (rows: Row[]) => rows.map((r) => r.id);

t.test('QuerySet', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);
    const articles = Article.objects.using(session);
    const where = (pred: (a: ArticleRow) => boolean) => sortedIds(fx.articles.filter(pred));
    const alice = fx.author('alice').id;
    const bob = fx.author('bob').id;
    const tech = fx.category('tech').id;

    await t.test('instances carry typed field values', async (t) => {
      const a: Row = await articles.get({ id: fx.article('orm').id });
      t.equal(a.id, fx.article('orm').id);
      t.equal(a.authorId, alice);
      t.equal(a.title, 'ORM internals');
      t.equal(a.isPublished, true);
      t.ok(a.pubDate instanceof Date);
      t.equal(a.pubDate.toISOString(), '2025-01-01T12:00:00.000Z');
      const draft: Row = await articles.get({ id: fx.article('bobDraft').id });
      t.equal(draft.pubDate, null);
      t.equal(draft.isPublished, false);
    });

    await t.test('every lookup', async (t) => {
      const cases: Array<[string, Record<string, unknown>, (a: ArticleRow) => boolean]> = [
        ['exact (implicit)', { title: 'Joins' }, (a) => a.title === 'Joins'],
        ['exact', { title__exact: 'Joins' }, (a) => a.title === 'Joins'],
        ['in', { authorId__in: [bob, fx.author('carol').id] }, (a) => a.authorId === bob],
        ['in (empty list)', { id__in: [] }, () => false],
        ['gt', { pubDate__gt: day('2025-01-05') }, (a) => a.pubDate !== null && a.pubDate > day('2025-01-05')],
        ['gte', { pubDate__gte: day('2025-01-05') }, (a) => a.pubDate !== null && a.pubDate >= day('2025-01-05')],
        ['lt', { pubDate__lt: day('2025-01-03') }, (a) => a.pubDate !== null && a.pubDate < day('2025-01-03')],
        ['lte', { pubDate__lte: day('2025-01-03') }, (a) => a.pubDate !== null && a.pubDate <= day('2025-01-03')],
        ['isnull true', { categoryId__isnull: true }, (a) => a.categoryId === null],
        ['isnull false', { pubDate__isnull: false }, (a) => a.pubDate !== null],
        ['exact null means IS NULL', { categoryId: null }, (a) => a.categoryId === null],
        ['contains (case-sensitive)', { title__contains: 'tips' }, (a) => a.title.includes('tips')],
        ['contains misses other case', { title__contains: 'TIPS' }, () => false],
        ['icontains', { title__icontains: 'TIPS' }, (a) => a.title.toLowerCase().includes('tips')],
        ['startswith', { title__startswith: 'Draft' }, (a) => a.title.startsWith('Draft')],
        ['contains treats % and _ literally', { title__contains: '%' }, () => false],
        ['several lookups are ANDed', { authorId: alice, categoryId: tech }, (a) => a.authorId === alice && a.categoryId === tech],
        ['across a relation', { author__name__icontains: 'BOB' }, (a) => a.authorId === bob],
        ['across a nullable relation', { category__slug: 'life' }, (a) => a.categoryId === fx.category('life').id],
      ];
      for (const [name, lookups, predicate] of cases) {
        t.same(sortedIds(await articles.filter(lookups)), where(predicate), name);
      }
    });

    await t.test('lookups two relations deep', async (t) => {
      const rows: Row[] = await Comment.objects.using(session).filter({ article__author__name: 'Bob Baker' });
      const bobsArticles = new Set(fx.articles.filter((a) => a.authorId === bob).map((a) => a.id));
      t.same(sortedIds(rows), sortedIds(fx.comments.filter((c) => bobsArticles.has(c.articleId))));
    });

    await t.test('exclude, including Django semantics for NULL', async (t) => {
      t.same(sortedIds(await articles.exclude({ title__startswith: 'Draft' })), where((a) => !a.title.startsWith('Draft')));
      // Django: exclude(category=x) keeps rows whose category is NULL.
      t.same(sortedIds(await articles.exclude({ categoryId: tech })), where((a) => a.categoryId !== tech));
      t.same(
        sortedIds(await articles.filter({ isPublished: true }).exclude({ authorId: alice })),
        where((a) => a.isPublished && a.authorId !== alice),
      );
    });

    await t.test('Q.or, Q.and, Q.not', async (t) => {
      t.same(sortedIds(await articles.filter(Q.or({ authorId: bob }, { categoryId__isnull: true }))),
        where((a) => a.authorId === bob || a.categoryId === null));
      t.same(sortedIds(await articles.filter(Q.and({ isPublished: true }, { authorId: bob }))),
        where((a) => a.isPublished && a.authorId === bob));
      t.same(sortedIds(await articles.filter(Q.not({ isPublished: true }))), where((a) => !a.isPublished));
      t.same(sortedIds(await articles.filter(Q.not(Q.or({ authorId: bob }, { categoryId: tech })))),
        where((a) => a.authorId !== bob && a.categoryId !== tech), 'NOT over OR, with a NULL category kept');
      // The keyset condition from the README.
      const d = day('2025-02-01');
      const keyset = Q.or({ pubDate__lt: d }, { pubDate: d, id__gt: fx.article('kysely').id }, { pubDate__isnull: true });
      t.same(sortedIds(await articles.filter(keyset)),
        where((a) => a.pubDate === null || a.pubDate < d || (+a.pubDate === +d && a.id > fx.article('kysely').id)));
    });

    await t.test('orderBy: NULLS LAST both ways, pk tie-breaker', async (t) => {
      const time = (a: ArticleRow) => a.pubDate?.getTime() ?? null;
      const order = (dir: 1 | -1) => [...fx.articles].sort((a, b) => {
        const [x, y] = [time(a), time(b)];
        if (x === y) return a.id - b.id;
        if (x === null) return 1;
        if (y === null) return -1;
        return dir * (x - y);
      }).map((a) => a.id);
      const { result: desc, capture } = await captureQueries(session, async (): Promise<Row[]> => articles.orderBy('-pubDate'));
      t.same(ids(desc), order(-1), 'descending, drafts last, Kysely tips before Window functions');
      t.match(capture.queries[0].sql, /nulls last/i);
      t.same(ids(await articles.orderBy('pubDate')), order(1), 'ascending, drafts still last');
      const byIdDesc: Row[] = await articles.orderBy('-pubDate', '-id');
      t.same(ids(byIdDesc.filter((a) => +a.pubDate === +day('2025-02-01'))),
        [fx.article('windows').id, fx.article('kysely').id], 'an explicit id order is not overridden');
      t.same(ids(await articles.orderBy('author__name', '-id')),
        [...fx.articles].sort((a, b) => a.authorId - b.authorId || b.id - a.id).map((a) => a.id), 'ordering across a relation');
      const byCategoryDesc: Row[] = await articles.orderBy('-category__name');
      const name = (a: ArticleRow) => fx.categories.find((c) => c.id === a.categoryId)?.name ?? null;
      t.same(ids(byCategoryDesc), [...fx.articles].sort((a, b) => {
        const [x, y] = [name(a), name(b)];
        if (x === y) return a.id - b.id;
        if (x === null) return 1;
        if (y === null) return -1;
        return x < y ? 1 : -1;
      }).map((a) => a.id), 'descending across a nullable FK (a LEFT JOIN): the article without a category last');
      const comments: Row[] = await Comment.objects.using(session);
      t.same(ids(comments), [...fx.comments].sort((a, b) => +a.createdAt - +b.createdAt || a.id - b.id).map((c) => c.id),
        "the model's default ordering (createdAt, id)");
    });

    await t.test('slice', async (t) => {
      const all = sortedIds(fx.articles);
      t.same(ids(await articles.slice(2, 5)), all.slice(2, 5));
      t.same(ids(await articles.slice(10)), all.slice(10));
      t.same(ids(await articles.slice(0, 0)), []);
      t.same(ids(await articles.slice(50, 60)), []);
      t.throws(() => articles.slice(-1), OrmError, 'negative indexing is refused');
    });

    await t.test('only / defer', async (t) => {
      const [slim]: Row[] = await articles.only('title').slice(0, 1);
      t.equal(slim.id, fx.articles[0].id, 'the pk is always loaded');
      t.equal(slim.title, fx.articles[0].title);
      t.notOk(Object.hasOwn(slim, 'body'), 'a field not named in only() is absent');
      t.notOk(Object.hasOwn(slim, 'pubDate'));
      const [lean]: Row[] = await articles.defer('body').slice(0, 1);
      t.notOk(Object.hasOwn(lean, 'body'), 'a deferred field is absent');
      t.equal(lean.title, fx.articles[0].title);
      t.equal(lean.authorId, fx.articles[0].authorId);
      const { capture } = await captureQueries(session, async () => articles.only('title').slice(0, 1));
      t.notMatch(capture.queries[0].sql, /"body"/, 'the deferred column is not selected');
      const [joined]: Row[] = await articles.only('title').selectRelated('author').slice(0, 1);
      t.equal(joined.author.id, fx.articles[0].authorId, 'the FK a selected relation needs is loaded too');
    });

    await t.test('get, first, count, exists', async (t) => {
      const one: Row = await articles.get({ title: 'Joins' });
      t.equal(one.id, fx.article('joins').id);
      await t.rejects(articles.get({ id: 999_999 }), DoesNotExist);
      await t.rejects(articles.get({ id: 999_999 }), { message: 'Article matching query does not exist.' });
      await t.rejects(articles.get({ authorId: bob }), MultipleObjectsReturned);
      await t.rejects(articles.get({ authorId: bob }), { message: /returned more than one Article -- it returned 4!/ });
      const newest: Row = await articles.orderBy('-pubDate').first();
      t.equal(newest.id, fx.article('quiet').id);
      t.equal((await articles.first() as Row).id, sortedIds(fx.articles)[0], 'first() uses the default ordering');
      t.equal(await articles.filter({ id__in: [] }).first(), null, 'first() of nothing is null');
      t.equal(await articles.count(), fx.articles.length);
      t.equal(await articles.filter({ isPublished: true }).count(), fx.articles.filter((a) => a.isPublished).length);
      t.equal(await articles.slice(0, 3).count(), 3, 'count() of a slice counts the slice');
      t.equal(await articles.filter({ authorId: bob }).exists(), true);
      t.equal(await articles.filter({ authorId: fx.author('carol').id }).exists(), false);
      await assertNumQueries(t, session, 1, () => articles.count());
      await assertNumQueries(t, session, 1, () => articles.exists());
    });

    await t.test('a base queryset is unchanged by chaining', async (t) => {
      const base = articles.filter({ isPublished: true });
      const derived = [
        base.filter({ authorId: bob }), base.exclude({ authorId: bob }), base.orderBy('-pubDate'),
        base.slice(0, 1), base.only('title'), base.selectRelated('author'), base.prefetchRelated('tags'),
      ];
      t.equal(derived.length, 7);
      const rows: Row[] = await base;
      t.same(ids(rows), where((a) => a.isPublished), 'all published, in id order');
      t.ok(Object.hasOwn(rows[0], 'body'), 'not narrowed by only()');
      t.equal(ids(await derived[3]).length, 1);
      t.same(ids(await base), ids(rows), 'still the same after the derived querysets ran');
    });

    await t.test('an `in` list of 100,000 values is ONE parameter', async (t) => {
      const many = Array.from({ length: 100_000 }, (_, i) => i + 1);
      const { result, capture } = await captureQueries(session, async (): Promise<Row[]> => articles.filter({ id__in: many }));
      t.same(sortedIds(result), sortedIds(fx.articles));
      t.equal(capture.count, 1);
      t.equal(capture.queries[0].parameters.length, 1, capture.queries[0].sql);
    });

    await t.test('unknown names are errors that list the choices', async (t) => {
      await t.rejects(async () => await articles.filter({ titel: 'x' }), FieldError);
      await t.rejects(async () => await articles.filter({ titel: 'x' }),
        { message: /'titel'.*Choices are: .*\btitle\b/ });
      await t.rejects(async () => await articles.filter({ title__near: 'x' }), { message: /'near'.*icontains/ });
      // Django: an unknown name after a relation is read as a lookup on it ("Related Field got invalid lookup").
      await t.rejects(async () => await articles.filter({ author__nmae: 'x' }), { name: 'FieldError', message: /'nmae'/ });
      await t.rejects(async () => await articles.orderBy('-titel'), { message: /'titel'.*\btitle\b/ });
      await t.rejects(async () => await articles.only('titel'), { message: /'titel'.*\btitle\b/ });
    });
  });
});
