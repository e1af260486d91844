/**
 * selectRelated: to-one relations JOINed into the parent query (INNER when
 * required, LEFT when nullable), nested `__` paths, null FKs, errors, and
 * strict mode on relations the query did not load.
 */
import t from 'tap';
import { Article, Author, Comment, Reaction } from '../../src/models/index.js';
import { FieldError, RelationNotLoaded } from '../../src/orm/errors.js';
import { captureQueries, isLoaded, loaded, Session } from '../../src/orm/index.js';
import { assertNumQueries } from '../../src/orm/testing.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';


type Row = any;

t.test('selectRelated', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);

    await t.test('forward FKs in one query; a null FK gives null', async (t) => {
      const articles: Row[] = await assertNumQueries(t, session, 1, async () => {
        const rows: Row[] = await Article.objects.using(session).selectRelated('author', 'category');
        for (const a of rows) void [a.author.name, a.category?.slug];
        return rows;
      });
      t.equal(articles.length, fx.articles.length);
      for (const article of articles) {
        const expected = fx.articles.find((a) => a.id === article.id)!;
        const author = fx.authors.find((a) => a.id === expected.authorId)!;
        t.ok(article.author instanceof Author.Instance, 'the author is an Author instance');
        t.same({ id: article.author.id, name: article.author.name, email: article.author.email, bio: article.author.bio },
          { id: author.id, name: author.name, email: author.email, bio: author.bio });
        if (expected.categoryId === null) t.equal(article.category, null, `${expected.key}: null category`);
        else t.equal(article.category.id, expected.categoryId);
      }
      t.equal(isLoaded(articles[0], 'author'), true);
      t.equal(loaded(articles[0], 'author'), articles[0].author, 'loaded() gives the same instance');
    });

    await t.test('nested paths: comments → article → author, and the anonymous comment author', async (t) => {
      const { result: comments, capture } = await captureQueries(session, async (): Promise<Row[]> =>
        Comment.objects.using(session).selectRelated('article__author', 'author'));
      t.equal(capture.count, 1);
      t.equal(comments.length, fx.comments.length);
      for (const comment of comments) {
        const expected = fx.comments.find((c) => c.id === comment.id)!;
        const article = fx.articles.find((a) => a.id === expected.articleId)!;
        t.equal(comment.article.id, article.id);
        t.equal(comment.article.title, article.title);
        t.equal(comment.article.author.id, article.authorId, 'two levels deep');
        t.equal(comment.author?.id ?? null, expected.authorId, `comment ${expected.key}`);
      }
      t.ok(comments.some((c) => c.author === null), 'anonymous comments have a null author');
      const sql = capture.queries[0].sql;
      t.match(sql, /inner join "articles"/i, 'required FK: INNER JOIN');
      t.match(sql, /left (outer )?join "authors"/i, 'nullable FK: LEFT JOIN');
      t.match(sql, /inner join "authors"/i, "the article's required author: INNER JOIN");
    });

    await t.test('a nullable relation below a required one is a LEFT JOIN', async (t) => {
      const { result: comments, capture } = await captureQueries(session, async (): Promise<Row[]> =>
        Comment.objects.using(session).selectRelated('article__category'));
      t.match(capture.queries[0].sql, /inner join "articles"/i);
      t.match(capture.queries[0].sql, /left (outer )?join "categories"/i);
      t.notMatch(capture.queries[0].sql, /inner join "categories"/i);
      for (const comment of comments) {
        const article = fx.articles.find((a) => a.id === comment.articleId)!;
        t.equal(comment.article.category?.id ?? null, article.categoryId);
      }
    });

    await t.test('articles with a null category are not lost by the join', async (t) => {
      const rows: Row[] = await Article.objects.using(session).selectRelated('category').filter({ categoryId__isnull: true });
      t.same(rows.map((a) => a.id), [fx.article('loose').id]);
      t.equal(rows[0].category, null);
    });

    await t.test('a reaction with a null author', async (t) => {
      const reactions: Row[] = await Reaction.objects.using(session).selectRelated('author');
      t.equal(reactions.length, fx.reactions.length);
      for (const reaction of reactions) {
        const expected = fx.reactions.find((r) => r.id === reaction.id)!;
        t.equal(reaction.author?.id ?? null, expected.authorId);
      }
    });

    await t.test('chained selectRelated calls accumulate, repeats are harmless', async (t) => {
      const rows: Row[] = await assertNumQueries(t, session, 1, () =>
        Article.objects.using(session).selectRelated('author').selectRelated('category', 'author').filter({ author__name: 'Bob Baker' }));
      t.equal(rows.length, fx.articles.filter((a) => a.authorId === fx.author('bob').id).length);
      for (const a of rows) {
        t.equal(a.author.name, 'Bob Baker');
        t.equal(a.category.id, a.categoryId);
      }
    });

    await t.test('invalid names are errors listing the valid choices', async (t) => {
      const articles = Article.objects.using(session);
      await t.rejects(async () => await articles.selectRelated('auther'), FieldError);
      await t.rejects(async () => await articles.selectRelated('auther'),
        { message: /'auther'.*Choices are: author, category\b/ });
      await t.rejects(async () => await articles.selectRelated('tags'),
        { message: /'tags'.*Choices are: author, category\b/ }, 'a to-many relation cannot be JOINed');
      await t.rejects(async () => await articles.selectRelated('title'),
        { message: /'title'.*Choices are: author, category\b/ }, 'a plain field is not a relation');
      await t.rejects(async () => await Comment.objects.using(session).selectRelated('article__bogus'),
        { message: /'(article__)?bogus'.*Choices are: author, category\b/ }, 'nested: the choices of the nested model');
      await t.rejects(async () => await Comment.objects.using(session).selectRelated('author__articles'),
        { message: /'(author__)?articles'.*Choices are: \(none\)/ });
    });

    await t.test('strict mode: an unloaded to-one relation throws, naming what to add', async (t) => {
      const [article]: Row[] = await Article.objects.using(session).slice(0, 1);
      t.throws(() => article.author, RelationNotLoaded);
      t.throws(() => article.author, { message: /selectRelated\('author'\)/ });
      t.throws(() => loaded(article, 'category'), { message: /selectRelated\('category'\)/ });
      t.equal(isLoaded(article, 'author'), false);

      const [comment]: Row[] = await Comment.objects.using(session).selectRelated('article').slice(0, 1);
      t.equal(comment.article.id, comment.articleId);
      t.throws(() => comment.article.author, RelationNotLoaded, 'a level that was not selected');
      t.throws(() => comment.article.author, { message: /selectRelated\('(article__)?author'\)/ });
      t.throws(() => comment.author, { message: /selectRelated\('author'\)/ });
    });

    await t.test('strict mode: an unloaded to-many relation throws; a new query is explicit', async (t) => {
      const [article]: Row[] = await Article.objects.using(session).filter({ id: fx.article('orm').id });
      // The ORM's strict mode treats all() of an unloaded relation as the N+1 it usually is.
      t.throws(() => [...article.tags.all()], RelationNotLoaded);
      t.throws(() => article.comments.all(), { message: /prefetchRelated\('comments'\)/ });
      t.throws(() => loaded(article, 'comments'), { message: /prefetchRelated\('comments'\)/ });
      const tags: Row[] = await assertNumQueries(t, session, 1, async () => article.tags.orderBy('name'));
      t.same(tags.map((tag) => tag.name), ['legacy', 'orm', 'sql'], 'filter / orderBy run a query, as in Django');
      const [lazy]: Row[] = await Article.objects.using(session).fetchMode('one').filter({ id: fx.article('orm').id });
      const lazyTags: Row[] = await assertNumQueries(t, session, 1, async () => lazy.tags.all());
      t.same(lazyTags.map((tag) => tag.name), ['legacy', 'orm', 'sql'], "fetch mode 'one' loads on demand");
    });
  });
});
