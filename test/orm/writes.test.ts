/**
 * ORM writes with Django's semantics: create, save (insert / changed fields
 * only), delete with cascades (schema + generic relations), QuerySet.update
 * and .delete counts, bulkCreate in one statement, many-to-many add / remove
 * / set / clear, prefetched caches dropped by writes, integrity errors.
 * The database is checked with plain Kysely queries, not through the ORM.
 */
import { sql } from 'kysely';
import t from 'tap';
import { Article, Author, Comment, Reaction, Tag } from '../../src/models/index.js';
import { captureQueries, IntegrityError, isLoaded, versionOf, Session } from '../../src/orm/index.js';
import { assertNumQueries } from '../../src/orm/testing.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';


type Row = any;

t.test('ORM writes', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);
    const count = async (table: string, where = sql`true`) =>
      Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db)).rows[0].n);

    await t.test('create: one INSERT, defaults and id filled in, a version', async (t) => {
      const article: Row = await assertNumQueries(t, session, 1, () =>
        Article.objects.using(session).create({ author: fx.author('carol').id, title: 'New', body: 'b' }));
      t.type(article.id, 'number');
      t.equal(article.authorId, fx.author('carol').id, 'a relation name takes the key');
      t.equal(article.isPublished, false, 'database default');
      t.ok(article.createdAt instanceof Date);
      t.equal(article.categoryId, null);
      t.match(versionOf(article), /^\d+$/);
      const stored = await db.selectFrom('articles').selectAll().where('id', '=', article.id).executeTakeFirstOrThrow();
      t.equal(stored.title, 'New');
      await t.rejects(() => Article.objects.using(session).create({ titel: 'x' }), /Cannot resolve keyword 'titel'/);
    });

    await t.test('save: insert without pk, then only the changed fields, nothing when unchanged', async (t) => {
      const tag: Row = new Tag.Instance();
      tag.name = 'fresh';
      await assertNumQueries(t, session, 1, () => tag.save({ using: session }));
      t.type(tag.id, 'number');
      t.equal(tag.active, true);

      const [loaded]: Row[] = await Article.objects.using(session).filter({ id: fx.article('orm').id }).withVersion();
      const before = versionOf(loaded);
      t.match(before, /^\d+$/, 'withVersion reads xmin');
      const { capture } = await captureQueries(session, async () => {
        loaded.title = 'Renamed';
        loaded.pubDate = new Date(loaded.pubDate.getTime()); // same instant, another Date: no change
        await loaded.save();
      });
      t.equal(capture.count, 1);
      t.match(capture.queries[0].sql, /^update "articles" set "title" = \$1 where "id" = \$2/, 'only the changed field');
      t.not(versionOf(loaded), before, 'the version changes with the write');
      await assertNumQueries(t, session, 0, () => loaded.save(), 'nothing changed: no query');
      const stored = await db.selectFrom('articles').select(['title', 'body']).where('id', '=', loaded.id).executeTakeFirstOrThrow();
      t.same(stored, { title: 'Renamed', body: loaded.body });

      loaded.body = 'B2';
      const { capture: only } = await captureQueries(session, () => loaded.save({ updateFields: ['title'] }));
      t.match(only.queries[0].sql, /set "title" = \$1 where/, 'updateFields writes those fields only');
    });

    await t.test('save drops a selected relation whose key changed', async (t) => {
      const [article]: Row[] = await Article.objects.using(session).filter({ id: fx.article('orm').id }).selectRelated('author');
      t.equal(article.author.id, article.authorId);
      article.authorId = fx.author('carol').id;
      await article.save();
      t.notOk(isLoaded(article, 'author'), 'the cached author is gone');
      article.authorId = fx.author('alice').id;
      await article.save();
    });

    await t.test('an instance the ORM did not load with a pk: UPDATE, else INSERT (Django)', async (t) => {
      const tag: Row = new Tag.Instance();
      Object.assign(tag, { id: fx.tag('orm').id, name: 'orm', active: false });
      await tag.save({ using: session });
      t.equal((await db.selectFrom('tags').select('active').where('id', '=', tag.id).executeTakeFirstOrThrow()).active, false);
      const ghost: Row = new Tag.Instance();
      Object.assign(ghost, { id: 900_001, name: 'ghost', active: true });
      const { capture } = await captureQueries(session, () => ghost.save({ using: session }));
      t.equal(capture.count, 2, 'UPDATE found nothing, then INSERT');
      t.equal(await count('tags', sql`id = 900001`), 1);
      await db.updateTable('tags').set({ active: true }).where('id', '=', fx.tag('orm').id).execute();
    });

    await t.test('QuerySet.update returns the number of rows, across a relation filter', async (t) => {
      const bobs = fx.articles.filter((a) => a.authorId === fx.author('bob').id).length;
      const n = await assertNumQueries(t, session, 1, () => Article.objects.using(session).filter({ author__name__startswith: 'Bob' }).update({ body: 'by bob' }));
      t.equal(n, bobs);
      t.equal(await count('articles', sql`body = 'by bob'`), bobs);
      t.equal(await Tag.objects.using(session).filter({ name: 'no such' }).update({ active: false }), 0);
      await t.rejects(() => Tag.objects.using(session).slice(0, 1).update({ active: false }), /Cannot update a query once a slice/);
    });

    await t.test('bulkCreate: one statement past 65,535 parameters, ids in order, defaults filled', async (t) => {
      const rows = Array.from({ length: 40_000 }, (_, i) => (i % 2 ? { name: `bulk-${i}` } : { name: `bulk-${i}`, active: false }));
      const tags: Row[] = await assertNumQueries(t, session, 1, () => Tag.objects.using(session).bulkCreate(rows));
      t.equal(tags.length, 40_000);
      t.equal(tags[0].name, 'bulk-0');
      t.equal(tags[0].active, false);
      t.equal(tags[1].active, true, 'a field this row left out takes its default');
      t.ok(tags.every((tag, i) => i === 0 || tag.id > tags[i - 1].id), 'ids come back in the order given');
      t.equal(await count('tags', sql`name like 'bulk-%'`), 40_000);
      const texts: Row[] = await Comment.objects.using(session).bulkCreate([
        { articleId: fx.article('orm').id, body: `quote ' and "double" {brace}, comma` },
        { articleId: fx.article('orm').id, body: 'NULL', authorId: null },
      ]);
      t.same(texts.map((c) => c.body), [`quote ' and "double" {brace}, comma`, 'NULL'], 'text arrays keep every character');
      t.equal(texts[1].authorId, null);
      await Comment.objects.using(session).filter({ id__in: texts.map((c) => c.id) }).delete();
    });

    await t.test('many-to-many add / remove / set / clear: one statement each, prefetched cache dropped', async (t) => {
      const [article]: Row[] = await Article.objects.using(session).filter({ id: fx.article('joins').id }).prefetchRelated('tags');
      const tagIds = async () => (await db.selectFrom('article_tags').select('tag_id').where('article_id', '=', article.id).orderBy('tag_id').execute()).map((r) => Number(r.tag_id));
      const [a, b, c] = [fx.tag('orm').id, fx.tag('sql').id, fx.tag('python').id];
      await assertNumQueries(t, session, 1, () => article.tags.clear());
      t.notOk(article.tags.isPrefetched, 'clear dropped the prefetched tags');
      t.same(await tagIds(), []);
      await assertNumQueries(t, session, 1, () => article.tags.add(a, b, b));
      await assertNumQueries(t, session, 1, () => article.tags.add(a), 'adding a link twice is no error');
      t.same(await tagIds(), [a, b].sort((x, y) => x - y));
      await assertNumQueries(t, session, 1, () => article.tags.set([b, c]));
      t.same(await tagIds(), [b, c].sort((x, y) => x - y));
      await assertNumQueries(t, session, 1, () => article.tags.remove(b));
      t.same(await tagIds(), [c]);
      const [again]: Row[] = await Article.objects.using(session).filter({ id: article.id }).prefetchRelated('tags');
      t.same([...again.tags.all()].map((tag: Row) => tag.id), [c]);
      await again.tags.add(a);
      t.notOk(again.tags.isPrefetched, 'add dropped the prefetched tags');
      const error = await article.tags.set([a, 987_654]).catch((e: unknown) => e);
      t.ok(error instanceof IntegrityError);
      t.match(error, { kind: 'foreignKey', column: 'tag_id', value: '987654' });
      t.same(await tagIds(), [a, c].sort((x, y) => x - y), 'the failed set changed nothing');
      await t.rejects(() => (article as Row).comments.add(1), /add\(\) is not supported/);
    });

    await t.test('integrity errors name the column and the value', async (t) => {
      const error = await Author.objects.using(session).create({ name: 'X', email: fx.author('bob').email }).catch((e: unknown) => e);
      t.match(error, { name: 'IntegrityError', kind: 'unique', column: 'email', value: fx.author('bob').email });
      const fk = await Comment.objects.using(session).create({ articleId: 123_456, body: 'x' }).catch((e: unknown) => e);
      t.match(fk, { kind: 'foreignKey', column: 'article_id', value: '123456' });
    });

    await t.test('a comment deleted: its reactions go (type and id together), nothing else', async (t) => {
      const target = fx.comments.find((c) => fx.reactions.some((r) => r.targetType === 'comment' && r.targetId === c.id))!;
      const onIt = fx.reactions.filter((r) => r.targetType === 'comment' && r.targetId === target.id).length;
      // A reaction on an article with the same number as the comment must survive.
      const decoy = await db.insertInto('reactions').values({ target_type: 'article', target_id: target.id, kind: 'decoy' }).returning('id').executeTakeFirstOrThrow();
      const [comment]: Row[] = await Comment.objects.using(session).filter({ id: target.id }).selectRelated('article');
      const result = await assertNumQueries(t, session, 1, () => comment.delete());
      t.same(result, { total: 1 + onIt, perModel: { Comment: 1, Reaction: onIt } });
      t.equal(comment.id, null, 'the instance lost its pk');
      t.notOk(isLoaded(comment, 'article'));
      t.equal(await count('reactions', sql`target_type = 'comment' and target_id = ${target.id}`), 0);
      t.equal(await count('reactions', sql`id = ${decoy.id}`), 1, 'same target_id, other type: kept');
    });

    await t.test('an author deleted: articles, their comments and every reaction on them go; SET NULL where the schema says', async (t) => {
      const bob = fx.author('bob').id;
      const articles = (await db.selectFrom('articles').select('id').where('author_id', '=', bob).execute()).map((r) => Number(r.id));
      const comments = (await db.selectFrom('comments').select('id').where('article_id', 'in', articles).execute()).map((r) => Number(r.id));
      const reactionsOn = await count('reactions', sql`(target_type = 'article' and target_id = any(${articles}::bigint[])) or (target_type = 'comment' and target_id = any(${comments}::bigint[]))`);
      t.ok(articles.length > 0 && comments.length > 0 && reactionsOn > 0, 'the fixture has something to cascade');
      const commentsByBob = await count('comments', sql`author_id = ${bob} and not (article_id = any(${articles}::bigint[]))`);
      const result = await assertNumQueries(t, session, 1, () => Author.objects.using(session).filter({ id: bob }).delete());
      t.same(result.perModel, { Author: 1, Article: articles.length, Comment: comments.length, Reaction: reactionsOn });
      t.equal(result.total, 1 + articles.length + comments.length + reactionsOn);
      t.equal(await count('articles', sql`author_id = ${bob}`), 0);
      t.equal(await count('comments', sql`id = any(${comments}::bigint[])`), 0);
      t.equal(await count('reactions', sql`(target_type = 'article' and target_id = any(${articles}::bigint[])) or (target_type = 'comment' and target_id = any(${comments}::bigint[]))`), 0);
      t.equal(await count('comments', sql`author_id = ${bob}`), 0, 'no comment still names bob');
      t.ok(commentsByBob === 0 || (await count('comments', sql`author_id is null`)) >= commentsByBob, "bob's other comments are kept, anonymous");
      t.equal(await count('reactions', sql`author_id = ${bob}`), 0);
    });

    await t.test('a transaction that fails leaves nothing behind', async (t) => {
      const before = await count('tags');
      await t.rejects(() => session.transaction(async (tx) => {
        await Tag.objects.using(tx).create({ name: 'rolled back' });
        await Reaction.objects.using(tx).create({ targetType: 'nope', targetId: 1, kind: 'like' });
      }), { name: 'IntegrityError', kind: 'check' });
      t.equal(await count('tags'), before);
    });
  });
});
