/**
 * Type-level tests of the public ORM types: `InstanceOf`, the attributes a
 * `Prefetch(..., { toAttr })` adds, the relations `selectRelated` loads and
 * the numbers `annotate` adds. The type checks are compile-time: `npx tsc -p
 * tsconfig.json --noEmit` (the typecheck step of `.ci/run`) fails when a type
 * regresses, either because an `Equal` assertion stops holding or because a
 * line marked `@ts-expect-error` starts to compile. The same querysets are
 * also run on both databases, so the types describe what they really return.
 */
import t from 'tap';
import {
  Article, Author, Comment,
  type ArticleInstance, type AuthorInstance, type CategoryInstance,
} from '../../src/models/index.js';
import { Count, Prefetch, Session, type Annotated, type InstanceOf, type ModelInstance } from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from '../orm/fixtures.js';

type Equal<X, Y> = (<V>() => V extends X ? 1 : 2) extends (<V>() => V extends Y ? 1 : 2) ? true : false;
/** Compiles only when `T` is `true`. */
function expectType<T extends true>(): T | undefined {
  return undefined;
}

// InstanceOf: field types, nullability, relations.
type A = InstanceOf<typeof Article>;
expectType<Equal<A, ArticleInstance>>();
expectType<Equal<A['title'], string>>();
expectType<Equal<A['categoryId'], number | null>>();
expectType<Equal<A['pubDate'], Date | null>>();
expectType<Equal<A['author'], AuthorInstance>>();
expectType<Equal<A['category'], CategoryInstance | null>>();
expectType<A extends ModelInstance ? true : false>();
expectType<Equal<InstanceOf<{ notAModel: true }>, never>>();
// @ts-expect-error a nullable field is not a plain number
expectType<Equal<A['categoryId'], number>>();
// @ts-expect-error a required relation is not nullable
expectType<Equal<A['author'], AuthorInstance | null>>();

// Annotated: one number per annotation; a `__` name scopes a related row and adds nothing.
expectType<Equal<Annotated<{ n: ReturnType<typeof Count> }>, { n: number }>>();
expectType<Equal<Annotated<{ author__n: ReturnType<typeof Count> }>, {}>>();

/** Queries whose results are typed below; also run at the end of this file. */
const queries = (session: Session) => ({
  recent: () => Author.objects.using(session).orderBy('id')
    .prefetchRelated('comments', new Prefetch('articles', Article.objects.orderBy('id').slice(0, 2), { toAttr: 'recent' })),
  plain: () => Author.objects.using(session).prefetchRelated(new Prefetch('articles', Article.objects.all())),
  joined: () => Comment.objects.using(session).selectRelated('article', 'author').orderBy('id'),
  counted: () => Author.objects.using(session).annotate({ articleCount: Count('articles') }).orderBy('id'),
});

/** Never called: the body is only type-checked. */
export async function typeChecks(session: Session): Promise<void> {
  const q = queries(session);

  const [author] = await q.recent();
  expectType<Equal<typeof author.recent, ArticleInstance[]>>();
  const recentTitle: string = author.recent[0].title;
  // @ts-expect-error a toAttr list is an array of instances, not one instance
  const notOne: ArticleInstance = author.recent;
  // @ts-expect-error the attribute is named by toAttr; any other name is unknown
  const other: ArticleInstance[] = author.recentArticles;

  const [plain] = await q.plain();
  // @ts-expect-error a Prefetch without toAttr adds no attribute
  const none: ArticleInstance[] = plain.recent;

  const [comment] = await q.joined();
  expectType<Equal<typeof comment.article, ArticleInstance>>();
  expectType<Equal<typeof comment.author, AuthorInstance | null>>();
  const articleTitle: string = comment.article.title;
  // @ts-expect-error a nullable relation must be checked for null first
  const authorName: string = comment.author.name;

  const [counted] = await q.counted();
  expectType<Equal<typeof counted.articleCount, number>>();
  // @ts-expect-error a count is a number
  const asText: string = counted.articleCount;
  // @ts-expect-error only the annotations given are typed
  const missing: number = counted.commentCount;

  void [recentTitle, notOne, other, none, articleTitle, authorName, asText, missing];
}

t.test('the typed querysets return what their types say', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const fx = await seedFixtures(database.db);
    await Session.run(database, { fetchMode: 'raise' }, async (session) => {
      const q = queries(session);
      const authors = await q.recent();
      for (const author of authors) {
        t.ok(Array.isArray(author.recent), 'toAttr holds an array');
        t.ok(author.recent.every((a) => a instanceof Article.Instance), 'of Article instances');
        t.same(author.recent.map((a) => a.id), fx.articles.filter((a) => a.authorId === author.id).map((a) => a.id).sort((x, y) => x - y).slice(0, 2));
      }
      const plain = await q.plain();
      t.ok(plain.every((author) => !('recent' in author)), 'no toAttr, no attribute');
      const comments = await q.joined();
      t.ok(comments.every((c) => c.article instanceof Article.Instance && c.article.id === c.articleId));
      t.ok(comments.some((c) => c.author === null) && comments.some((c) => c.author instanceof Author.Instance), 'author is nullable');
      const counted = await q.counted();
      t.same(counted.map((a) => [a.id, a.articleCount]), fx.authors.map((a) => [a.id, fx.articles.filter((x) => x.authorId === a.id).length]));
      t.ok(counted.every((a) => typeof a.articleCount === 'number'));
    });
  });
});

