/**
 * Conditions that reach related rows without a join: `Q.exists` with
 * `OuterRef`, `Relation.whereRelated` (one EXISTS per target type of a generic
 * foreign key), `selectRelatedIf` (a conditioned LEFT JOIN that reads as
 * null), and which relations are inverses of which. Checked against the
 * fixtures by brute force, on both databases.
 */
import t from 'tap';
import { Article, Comment, Reaction } from '../../src/models/index.js';
import { FieldError } from '../../src/orm/errors.js';
import { captureQueries, OuterRef, Q, Session } from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';


type Row = any;
const ids = (rows: Row[]) => rows.map((row) => row.id).sort((a: number, b: number) => a - b);

t.test('exists and conditioned relations', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const { db } = database;
    const session = new Session(database, { fetchMode: 'raise' });
    const fx = await seedFixtures(db);
    const published = new Set(fx.articles.filter((a) => a.isPublished).map((a) => a.id));

    await t.test('Q.exists with OuterRef: comments on published articles, one query, no join', async (t) => {
      const { result, capture } = await captureQueries(session, async (): Promise<Row[]> =>
        Comment.objects.using(session).filter(Q.exists(Article.objects.filter({ id: new OuterRef('articleId'), isPublished: true }))));
      t.same(ids(result), fx.comments.filter((c) => published.has(c.articleId)).map((c) => c.id).sort((a, b) => a - b));
      t.equal(capture.count, 1);
      t.match(capture.queries[0].sql, /exists \(select 1 from "articles" as "t0_e1"/);
      t.notMatch(capture.queries[0].sql, /join/);
      const negated: Row[] = await Comment.objects.using(session).exclude(Q.exists(Article.objects.filter({ id: new OuterRef('articleId'), isPublished: true })));
      t.same(ids(negated), fx.comments.filter((c) => !published.has(c.articleId)).map((c) => c.id).sort((a, b) => a - b));
    });

    await t.test('OuterRef outside exists, or with another lookup, is refused', async (t) => {
      await t.rejects(Comment.objects.using(session).filter({ id: new OuterRef('articleId') }).fetch(), FieldError);
      const bad = Comment.objects.using(session).filter(Q.exists(Article.objects.filter({ id__gt: new OuterRef('articleId') })));
      await t.rejects(bad.fetch(), /only takes an exact lookup/);
    });

    await t.test('whereRelated on a forward FK and on a generic foreign key', async (t) => {
      const onPublished = Comment.meta.relations.article.whereRelated(() => Q.and({ isPublished: true }));
      const comments: Row[] = await Comment.objects.using(session).filter(onPublished);
      t.same(ids(comments), fx.comments.filter((c) => published.has(c.articleId)).map((c) => c.id).sort((a, b) => a - b));

      const commentIds = new Set(fx.comments.map((c) => c.id));
      const visibleComments = new Set(fx.comments.filter((c) => published.has(c.articleId)).map((c) => c.id));
      const target = Reaction.meta.relations.target;
      const { result, capture } = await captureQueries(session, async (): Promise<Row[]> =>
        Reaction.objects.using(session).filter(target.whereRelated((model) =>
          model === Article ? Q.and({ isPublished: true }) : Comment.meta.relations.article.whereRelated(() => Q.and({ isPublished: true })))));
      const expected = fx.reactions.filter((r) => (r.targetType === 'article' ? published.has(r.targetId) : visibleComments.has(r.targetId)));
      t.same(ids(result), expected.map((r) => r.id).sort((a, b) => a - b));
      t.equal(capture.count, 1);
      const existing: Row[] = await Reaction.objects.using(session).filter(target.whereRelated(() => undefined));
      t.same(ids(existing), fx.reactions.filter((r) => r.targetType === 'article' || commentIds.has(r.targetId)).map((r) => r.id).sort((a, b) => a - b),
        'no condition: the target must exist (the reaction on a deleted comment drops)');
      t.throws(() => Article.meta.relations.comments.whereRelated(() => undefined), /to-many/);
    });

    await t.test('selectRelatedIf: a joined row that fails the condition reads as null', async (t) => {
      // The author of the first comment's article: some comments are on that author's articles, some not.
      const chosen = fx.articles.find((a) => a.id === fx.comments[0].articleId)!.authorId;
      const { result, capture } = await captureQueries(session, async (): Promise<Row[]> =>
        Comment.objects.using(session).selectRelatedIf('article', { authorId: chosen }).selectRelated('article__author').orderBy('id'));
      t.equal(capture.count, 1);
      t.match(capture.queries[0].sql, /left join "articles" as "t0_1" on .* and \(\("t0_1"."author_id" = \$1\)\)/);
      t.match(capture.queries[0].sql, /left join "authors" as "t0_2"/, 'the join below a conditioned one is LEFT too');
      t.equal(result.length, fx.comments.length, 'the comments themselves are all there');
      for (const comment of result) {
        const article = fx.articles.find((a) => a.id === fx.comments.find((c) => c.id === comment.id)!.articleId)!;
        if (article.authorId === chosen) t.equal(comment.article.author.id, article.authorId);
        else t.equal(comment.article, null, `comment ${comment.id}: article by another author → null`);
      }
      t.ok(result.some((c) => c.article === null) && result.some((c) => c.article !== null), 'both cases occur');
      t.throws(() => Comment.objects.using(session).selectRelatedIf('article', { author__name: 'x' }).toSql(), /may not walk relations/);
    });

    await t.test('inverse relations', async (t) => {
      const rel = (model: typeof Article | typeof Comment | typeof Reaction, name: string) => model.meta.relations[name];
      t.ok(rel(Article, 'comments').isInverseOf(rel(Comment, 'article')));
      t.ok(rel(Comment, 'article').isInverseOf(rel(Article, 'comments')));
      t.ok(rel(Article, 'reactions').isInverseOf(rel(Reaction, 'target')));
      t.ok(rel(Comment, 'reactions').isInverseOf(rel(Reaction, 'target')));
      t.ok(rel(Reaction, 'target').isInverseOf(rel(Comment, 'reactions')));
      t.notOk(rel(Article, 'comments').isInverseOf(rel(Comment, 'author')));
      t.notOk(rel(Article, 'reactions').isInverseOf(rel(Comment, 'reactions')));
      t.notOk(rel(Article, 'tags').isInverseOf(rel(Comment, 'article')));
    });
  });
});
