/**
 * Where loom differed from Django when Django's own tests were run against it
 * (issue 11), now as Django behaves:
 * - first() / last() / exists() / count() on a prefetched `.all()` answer from
 *   the prefetched rows, with no query, in the prefetched order;
 * - a Prefetch toAttr naming a field or a relation of the model (its own
 *   relation included) is Django's "conflicts with a field" error;
 * - generic relations and generic foreign keys whose object id is text
 *   (Django's CharField object_id) load their rows.
 */
import { sql } from 'kysely';
import t from 'tap';
import { Article, Comment, Tag } from '../../src/models/index.js';
import {
  assertNumQueries,
  Count,
  defineModel,
  field,
  genericForeignKey,
  genericRelation,
  loaded,
  Prefetch,
  PrefetchError,
  Q,
  Session,
} from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';

/** Test-only models: notes point at things (or articles) through a TEXT object id. */
const Thing = defineModel('Thing', { table: 'things', fields: { id: field.id(), name: field.text() }, ordering: ['id'] });
const Note = defineModel('Note', {
  table: 'notes',
  fields: { id: field.id(), targetType: field.text(), targetId: field.text(), body: field.text() },
  ordering: ['id'],
});
Thing.relate({ notes: genericRelation(Note, { typeField: 'targetType', idField: 'targetId', typeValue: 'thing' }) });
Note.relate({ target: genericForeignKey({ typeField: 'targetType', idField: 'targetId', models: { thing: Thing, article: Article } }) });

t.test("Django's behaviour", async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);

    await t.test('first/last/exists/count on a prefetched .all() use the prefetched rows, in their order, with no query', async (t) => {
      const newestFirst = Comment.objects.orderBy('-createdAt', '-id');
      const articles = await Article.objects.using(session).orderBy('id').prefetchRelated(new Prefetch('comments', newestFirst));
      for (const article of articles as any[]) {
        const cached = [...article.comments.all()] as any[];
        const expected = fx.comments
          .filter((c) => c.articleId === article.id)
          .sort((a, b) => +b.createdAt - +a.createdAt || b.id - a.id)
          .map((c) => c.id);
        t.same(cached.map((c) => c.id), expected, 'the prefetched order');
        const [first, last, exists, count] = await assertNumQueries(t, session, 0, () =>
          Promise.all([article.comments.all().first(), article.comments.all().last(), article.comments.all().exists(), article.comments.all().count()]),
        );
        t.equal(first?.id ?? null, expected[0] ?? null, 'first() is the first cached row, not the lowest pk');
        t.equal(last?.id ?? null, expected.at(-1) ?? null);
        t.equal(exists, expected.length > 0);
        t.equal(count, expected.length);
      }
      const [withComments] = (articles as any[]).filter((a) => (loaded(a, 'comments') as any[]).length > 1);
      const lowestPk = Math.min(...(loaded(withComments, 'comments') as any[]).map((c) => c.id));
      t.not((await withComments.comments.all().first()).id, lowestPk, 'a case where the pk order would give another row');
    });

    await t.test('last() without a cache: the last row in the queryset order, NULLs last', async (t) => {
      const byPubDate = Article.objects.using(session).orderBy('-pubDate', 'id');
      const all = await byPubDate;
      t.equal((await byPubDate.last())!.id, all.at(-1)!.id, 'an unpublished article (NULL pubDate) is last');
      t.equal(await Article.objects.using(session).filter({ id: -1 }).last(), null);
    });

    await t.test("a toAttr that names a field or a relation is Django's error, its own relation included", async (t) => {
      const articles = Article.objects.using(session);
      const clash = (toAttr: string, lookup = 'tags') =>
        articles.prefetchRelated(new Prefetch(lookup, Tag.objects.all(), { toAttr })).fetch();
      await t.rejects(clash('title'), new PrefetchError('toAttr=title conflicts with a field on the Article model.'));
      await t.rejects(clash('author'), new PrefetchError('toAttr=author conflicts with a field on the Article model.'));
      await t.rejects(clash('tags'), new PrefetchError('toAttr=tags conflicts with a field on the Article model.'), 'equal to the lookup itself');
      await t.rejects(
        articles.prefetchRelated(new Prefetch('comments', Comment.objects.all(), { toAttr: 'comments' })).fetch(),
        new PrefetchError('toAttr=comments conflicts with a field on the Article model.'),
      );
      const ok = await articles.prefetchRelated(new Prefetch('tags', Tag.objects.all(), { toAttr: 'tagList' }));
      t.ok(ok.every((a: any) => Array.isArray(a.tagList)), 'another name is fine');
    });

    await t.test('generic relations and foreign keys with a text object id', async (t) => {
      await sql`create table things (id bigserial primary key, name text not null)`.execute(db);
      await sql`create table notes (id bigserial primary key, target_type text not null, target_id text not null, body text not null)`.execute(db);
      const article = fx.article('orm').id;
      const { rows: things } = await sql<{ id: number }>`insert into things (name) values ('a'), ('b'), ('c') returning id`.execute(db);
      const [a, b, c] = things.map((row) => Number(row.id));
      await sql`insert into notes (target_type, target_id, body) values
        ('thing', ${String(a)}, 'a1'), ('thing', ${String(a)}, 'a2'), ('thing', ${String(b)}, 'b1'),
        ('article', ${String(article)}, 'on an article'), ('thing', 'not-a-number', 'dangling'), ('thing', '999999', 'gone')`.execute(db);

      const withNotes = await assertNumQueries(t, session, 2, () => Thing.objects.using(session).prefetchRelated('notes'));
      t.same(
        withNotes.map((thing: any) => [thing.id, [...thing.notes.all()].map((n: any) => n.body)]),
        [[a, ['a1', 'a2']], [b, ['b1']], [c, []]],
        "each thing gets the notes whose text id is its pk ('1' matches 1)",
      );
      t.match(session.queries.at(-1)!.sql, /= any\(\$\d+::text\[\]\)/, 'the keys are bound as text[] for a text id column');

      const notes = await assertNumQueries(t, session, 3, () => Note.objects.using(session).orderBy('id').prefetchRelated('target'));
      t.same(
        notes.map((note: any) => [note.body, loaded(note, 'target') === null ? null : [(loaded(note, 'target') as any).model.name, (loaded(note, 'target') as any).id]]),
        [['a1', ['Thing', a]], ['a2', ['Thing', a]], ['b1', ['Thing', b]], ['on an article', ['Article', article]], ['dangling', null], ['gone', null]],
        'the text id is converted to the numeric pk before matching; one that cannot be one matches nothing',
      );
      const only = await Note.objects.using(session).only('body').orderBy('id').prefetchRelated('target');
      t.equal((loaded(only[0], 'target') as any).id, a, 'only() still loads the type and id a generic foreign key needs');

      const whereTarget = Note.meta.relations.target.whereRelated((model) => (model === Thing ? Q.and({ name: 'b' }) : undefined));
      const matching = await Note.objects.using(session).filter(whereTarget).orderBy('id');
      t.same(matching.map((note: any) => note.body), ['b1', 'on an article'], 'whereRelated compares the text id with the pk as text');
      t.match(session.queries.at(-1)!.sql, /cast\("t0_e\d+"\."id" as text\) = "t0"\."target_id"/);

      // Counted in the object id's type (the pk cast to text), in each of the three forms the compiler picks.
      const counted = async (qs: any, form: RegExp) => {
        const rows = (await qs).map((thing: any) => [thing.id, thing.n]);
        const sent = session.queries.at(-1)!.sql;
        t.match(sent, form, `counted in ${form}`);
        t.match(sent, /"(target_id|k)" = cast\("t0"\."id" as text\)/, 'the pk is cast to the object id column type');
        return rows;
      };
      const withCounts = Thing.objects.using(session).annotate({ n: Count('notes') });
      t.same(await counted(withCounts.orderBy('id'), /, \(select count/), [[a, 2], [b, 1], [c, 0]], 'a scalar subquery per thing');
      t.same(await counted(withCounts.orderBy('-n', 'id'), /left join \(select/), [[a, 2], [b, 1], [c, 0]], 'a grouped join, sorted by the count');
      const some = withCounts.filter({ id__in: [b, c] }).orderBy('-n', 'id');
      t.same(await counted(some, /cross join lateral/), [[b, 1], [c, 0]], 'a LATERAL join, filtered and sorted');
      const filtered = Thing.objects.using(session).annotate({ n: Count('notes', { filter: { body__startswith: 'a' } }) });
      t.same(await counted(filtered.orderBy('id'), /"body" like/), [[a, 2], [b, 0], [c, 0]], 'with a condition on the notes');

      // Deleting a thing deletes the notes that point at it by (type, text id), as Django's GenericRelation does.
      const deleted = await Thing.objects.using(session).filter({ id: a }).delete();
      t.same(deleted, { total: 3, perModel: { Thing: 1, Note: 2 } });
      const left = await Note.objects.using(session).orderBy('id');
      t.same(left.map((note: any) => note.body), ['b1', 'on an article', 'dangling', 'gone'], "only thing a's notes went");
      t.same(await (await Thing.objects.using(session).get({ id: b })).delete(), { total: 2, perModel: { Thing: 1, Note: 1 } }, 'and one instance');
    });
  });
});
