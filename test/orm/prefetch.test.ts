/**
 * prefetchRelated over every relation kind, string lookups and Prefetch
 * objects, nesting, redundant lookups, and the edge cases of Django's own
 * prefetch tests (empty parent sets, childless parents, ties, toAttr chains).
 */
import t from 'tap';
import { Article, Author, Category, Comment, Reaction, Tag } from '../../src/models/index.js';
import { captureQueries, isLoaded, loaded, Prefetch, prefetchRelatedObjects, Session } from '../../src/orm/index.js';
import { assertNumQueries } from '../../src/orm/testing.js';
import { eachDatabase } from '../helpers/databases.js';
import { type Fixtures, newestFirst, seedFixtures } from './fixtures.js';


type Row = any;
const ids = (rows: Iterable<Row>) => [...rows].map((r) => r.id);
const asc = (list: number[]) => [...list].sort((a, b) => a - b);

/** Comment ids of an article in Comment's default ordering (createdAt, id). */
const commentIds = (fx: Fixtures, articleId: number) => fx.comments
  .filter((c) => c.articleId === articleId)
  .sort((a, b) => +a.createdAt - +b.createdAt || a.id - b.id).map((c) => c.id);
const articleIds = (fx: Fixtures, authorId: number) => fx.articles.filter((a) => a.authorId === authorId).map((a) => a.id);
const reactionIds = (fx: Fixtures, type: string, id: number) =>
  fx.reactions.filter((r) => r.targetType === type && r.targetId === id).map((r) => r.id);

t.test('prefetchRelated', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);

    await t.test('reverse FK: authors → articles, categories → articles, authors → comments', async (t) => {
      const authors: Row[] = await assertNumQueries(t, session, 3, () => Author.objects.using(session).prefetchRelated('articles', 'comments'));
      for (const author of authors) {
        t.same(ids(author.articles.all()), articleIds(fx, author.id));
        t.same(asc(ids(author.comments.all())), asc(fx.comments.filter((c) => c.authorId === author.id).map((c) => c.id)));
      }
      t.same(ids(loaded(authors.find((a) => a.id === fx.author('carol').id), 'articles') as Row[]), [], 'a parent with no children gets []');
      const categories: Row[] = await assertNumQueries(t, session, 2, () => Category.objects.using(session).prefetchRelated('articles'));
      for (const c of categories) t.same(ids(c.articles.all()), fx.articles.filter((a) => a.categoryId === c.id).map((a) => a.id));
    });

    await t.test('many-to-many both ways', async (t) => {
      const tags: Row[] = await assertNumQueries(t, session, 2, () => Tag.objects.using(session).prefetchRelated('articles'));
      t.same(tags.map((tag) => tag.name), fx.tags.map((tag) => tag.name).sort(), 'tags by name');
      for (const tag of tags) {
        t.same(ids(tag.articles.all()), asc(fx.articleTags.filter(([, tagId]) => tagId === tag.id).map(([a]) => a)), tag.name);
      }
      t.same(ids(tags.find((tag) => tag.name === 'unused').articles.all()), [], 'a tag on no article');
    });

    await t.test('generic relation: reactions of articles and of comments, never mixed up', async (t) => {
      const articles: Row[] = await assertNumQueries(t, session, 2, () => Article.objects.using(session).prefetchRelated('reactions'));
      for (const a of articles) t.same(ids(a.reactions.all()), reactionIds(fx, 'article', a.id), `article ${a.id}`);
      const comments: Row[] = await assertNumQueries(t, session, 2, () => Comment.objects.using(session).prefetchRelated('reactions'));
      for (const c of comments) t.same(ids(c.reactions.all()), reactionIds(fx, 'comment', c.id), `comment ${c.id}`);
      // Article and comment ids overlap (both start at 1): the type column must be honoured.
      t.ok(fx.reactions.some((r) => r.targetType === 'comment' && fx.articles.some((a) => a.id === r.targetId)));
    });

    await t.test('generic foreign key: one query per target type present, a deleted target is null', async (t) => {
      const reactions: Row[] = await assertNumQueries(t, session, 3, () => Reaction.objects.using(session).prefetchRelated('target'));
      for (const reaction of reactions) {
        const target = loaded(reaction, 'target') as Row;
        if (reaction.targetType === 'comment' && reaction.targetId === fx.deletedCommentId) {
          t.equal(target, null, 'the target row is gone');
          continue;
        }
        t.ok(target instanceof (reaction.targetType === 'article' ? Article : Comment).Instance);
        t.equal(target.id, reaction.targetId);
      }
      const onArticles: Row[] = await assertNumQueries(t, session, 2, () =>
        Reaction.objects.using(session).filter({ targetType: 'article' }).prefetchRelated('target'));
      t.ok(onArticles.every((r) => loaded(r, 'target') !== null));
    });

    await t.test('nested string lookups', async (t) => {
      const authors: Row[] = await assertNumQueries(t, session, 4, () =>
        Author.objects.using(session).prefetchRelated('articles__comments', 'articles__tags'));
      for (const author of authors) {
        for (const article of author.articles.all()) {
          t.same(ids(article.comments.all()), commentIds(fx, article.id));
          t.equal([...article.tags.all()].length, fx.articleTags.filter(([a]) => a === article.id).length);
        }
      }
      // Django: a forward FK in a prefetch lookup is one more query, not a JOIN.
      const articles: Row[] = await assertNumQueries(t, session, 3, () => Article.objects.using(session).prefetchRelated('comments__author'));
      for (const a of articles) for (const c of a.comments.all()) t.equal(c.author?.id ?? null, c.authorId);
    });

    await t.test('a Prefetch queryset with selectRelated JOINs its to-one relations', async (t) => {
      const { result: articles, capture } = await captureQueries(session, async (): Promise<Row[]> =>
        Article.objects.using(session).prefetchRelated(new Prefetch('comments', Comment.objects.selectRelated('author'))));
      t.equal(capture.count, 2, capture.queries.map((q) => q.sql).join('\n'));
      t.match(capture.queries[1].sql, /left (outer )?join "authors"/i);
      for (const a of articles) {
        for (const c of a.comments.all()) {
          const author = fx.authors.find((x) => x.id === c.authorId);
          t.equal(c.author?.name ?? null, author?.name ?? null);
        }
      }
    });

    await t.test('redundant lookups cost no extra query', async (t) => {
      await assertNumQueries(t, session, 2, () => Author.objects.using(session).prefetchRelated('articles', 'articles'));
      await assertNumQueries(t, session, 3, () => Author.objects.using(session).prefetchRelated('articles', 'articles__comments'));
      await assertNumQueries(t, session, 3, () => Author.objects.using(session).prefetchRelated('articles__comments', 'articles'));
      await assertNumQueries(t, session, 3, () =>
        Author.objects.using(session).prefetchRelated('articles__comments').prefetchRelated('articles__comments'));
    });

    await t.test('prefetch through selectRelated fetches nothing twice', async (t) => {
      const articles: Row[] = await assertNumQueries(t, session, 2, () =>
        Article.objects.using(session).selectRelated('author').prefetchRelated('author__articles'));
      for (const a of articles) t.same(ids(a.author.articles.all()), articleIds(fx, a.authorId));
    });

    await t.test('an empty parent set runs no prefetch query', async (t) => {
      const none: Row[] = await assertNumQueries(t, session, 1, () =>
        Author.objects.using(session).filter({ name: 'Nobody' }).prefetchRelated('articles', 'comments__reactions'));
      t.same(none, []);
      // Carol has no articles: the comments level below them is skipped.
      const [carol]: Row[] = await assertNumQueries(t, session, 2, () =>
        Author.objects.using(session).filter({ id: fx.author('carol').id }).prefetchRelated('articles__comments'));
      t.same(ids(carol.articles.all()), []);
    });

    await t.test('sliced Prefetch: per parent, with offset, ties broken by id', async (t) => {
      const recent = (low: number, high: number) => Author.objects.using(session).prefetchRelated(new Prefetch('articles',
        Article.objects.filter({ isPublished: true }).orderBy('-pubDate').slice(low, high), { toAttr: 'picked' }));
      const first: Row[] = await assertNumQueries(t, session, 2, () => recent(0, 2));
      const byKey = (rows: Row[], key: string) => ids(rows.find((a) => a.id === fx.author(key).id).picked);
      t.same(byKey(first, 'alice'), [fx.article('joins').id, fx.article('indexes').id]);
      t.same(byKey(first, 'bob'), [fx.article('quiet').id, fx.article('kysely').id], 'equal pubDate: lower id first');
      t.same(byKey(first, 'carol'), []);
      const second: Row[] = await recent(1, 3);
      t.same(byKey(second, 'alice'), [fx.article('indexes').id, fx.article('loose').id]);
      t.same(byKey(second, 'bob'), [fx.article('kysely').id, fx.article('windows').id]);
    });

    await t.test('a lookup can go through a toAttr', async (t) => {
      const authors: Row[] = await assertNumQueries(t, session, 3, () => Author.objects.using(session).prefetchRelated(
        new Prefetch('articles', Article.objects.filter({ isPublished: true }), { toAttr: 'published' }),
        'published__comments'));
      for (const author of authors) {
        t.same(ids(author.published), fx.articles.filter((a) => a.authorId === author.id && a.isPublished).map((a) => a.id));
        for (const a of author.published) t.same(ids(a.comments.all()), commentIds(fx, a.id));
      }
    });

    await t.test('a nested Prefetch is not overwritten by a later string lookup', async (t) => {
      const authors: Row[] = await assertNumQueries(t, session, 3, () => Author.objects.using(session).prefetchRelated(
        new Prefetch('articles', Article.objects.filter({ isPublished: true })), 'articles__comments', 'articles'));
      for (const author of authors) {
        t.ok([...author.articles.all()].every((a: Row) => a.isPublished), 'still only published articles');
        for (const a of author.articles.all()) t.same(ids(a.comments.all()), commentIds(fx, a.id));
      }
      // The same with the Prefetch deeper down: comments stay filtered.
      const again: Row[] = await assertNumQueries(t, session, 3, () => Author.objects.using(session).prefetchRelated(
        new Prefetch('articles__comments', Comment.objects.filter({ authorId__isnull: true })), 'articles__comments'));
      for (const author of again) {
        for (const a of author.articles.all()) t.ok([...a.comments.all()].every((c: Row) => c.authorId === null));
      }
    });

    await t.test('onPrefetched: told each path as its rows are stored; throwing stops the queries after it', async (t) => {
      const seen: [number, string, boolean][] = [];
      const authors: Row[] = await assertNumQueries(t, session, 4, () =>
        Author.objects.using(session).prefetchRelated('articles__comments', 'articles__tags').onPrefetched((roots, path) => {
          seen.push([roots.length, path, isLoaded(roots[0], 'articles')]);
        }));
      t.same(seen, [[authors.length, 'articles', true], [authors.length, 'articles__comments', true], [authors.length, 'articles__tags', true]]);
      const stop = new Error('enough');
      const before = session.count;
      const stopped = Author.objects.using(session).prefetchRelated('articles__comments', 'articles__tags').onPrefetched(() => {
        throw stop;
      });
      await t.rejects(stopped.fetch(), stop);
      t.equal(session.count - before, 2, 'authors and articles ran; the level below was never sent');
    });

    await t.test('prefetchRelatedObjects on instances you hold', async (t) => {
      const articles: Row[] = await Article.objects.using(session);
      await assertNumQueries(t, session, 2, () => prefetchRelatedObjects(articles, 'tags', 'comments'));
      for (const a of articles) t.same(ids(a.comments.all()), commentIds(fx, a.id));
      await assertNumQueries(t, session, 0, () => prefetchRelatedObjects(articles, 'tags'), 'already prefetched: no query');
      await assertNumQueries(t, session, 0, () => prefetchRelatedObjects([], 'tags'), 'no instances: no query');
      const two = articles.slice(0, 2);
      const fresh: Row[] = await Article.objects.using(session).filter({ id__in: ids(two) });
      await assertNumQueries(t, session, 1, () => prefetchRelatedObjects(fresh, { session },
        new Prefetch('comments', Comment.objects.orderBy('-createdAt').slice(0, 1), { toAttr: 'latest' })));
      for (const a of fresh) {
        t.same(ids(a.latest), newestFirst(fx.comments.filter((c) => c.articleId === a.id), (c) => c.createdAt, 1));
      }
    });
  });
});
