/**
 * Hydration: a query shape's first run goes through the generic loop and its
 * later runs through the hydrator generated for that shape (src/orm/hydrate.ts).
 * Both must build the same instances: fields, select_related caches (a
 * missing LEFT JOIN row as null, a null below a null), parent keys of
 * prefetched rows, row versions, and what `save()` compares against.
 */
import t from 'tap';
import { Article, Author, Comment } from '../../src/models/index.js';
import { loaded, type ModelInstance, Prefetch, Session } from '../../src/orm/index.js';
import { eachDatabase } from '../helpers/databases.js';
import { seedFixtures } from './fixtures.js';

/** An instance as plain data: its fields and, recursively, the relations named in `paths`. */
function snapshot(instance: ModelInstance | null, paths: readonly string[][]): unknown {
  if (instance === null) return null;
  const out: Record<string, unknown> = { ...instance };
  for (const [head, ...rest] of paths) {
    if (head === undefined) continue;
    const value = loaded(instance, head) as ModelInstance | ModelInstance[] | null;
    out[head] = Array.isArray(value) ? value.map((v) => snapshot(v, rest.length ? [rest] : [])) : snapshot(value, rest.length ? [rest] : []);
  }
  return out;
}

t.test('the generated hydrator builds what the generic loop builds', async (t) => {
  await eachDatabase(t, async (t, database) => {
    const fx = await seedFixtures(database.db);
    t.ok(fx.articles.some((a) => a.categoryId === null), 'the fixtures have an article without a category (a LEFT JOIN miss)');
    const session = new Session(database);
    const runs = async <T>(times: number, fn: () => Promise<T>) => {
      const results: T[] = [];
      for (let i = 0; i < times; i++) results.push(await fn());
      return results;
    };

    await t.test('select_related with nullable and nested joins', async (t) => {
      const paths = [['author'], ['category']];
      const [first, ...later] = await runs(3, () =>
        Article.objects.using(session).selectRelated('author', 'category').orderBy('id').fetch(),
      );
      t.ok(first.length > 0);
      for (const result of later) t.same(result.map((a) => snapshot(a, paths)), first.map((a) => snapshot(a, paths)));
      t.ok(later[1].some((a) => loaded(a, 'category') === null), 'a missing category is a loaded null');
      const nested = [['article', 'author'], ['author']];
      const [c1, ...cs] = await runs(3, () => Comment.objects.using(session).selectRelated('article__author', 'author').orderBy('id').fetch());
      for (const result of cs) t.same(result.map((c) => snapshot(c, nested)), c1.map((c) => snapshot(c, nested)));
    });

    await t.test('prefetched rows keep their parents, sliced or not', async (t) => {
      const paths = [['articles']];
      const [first, ...later] = await runs(3, () =>
        Author.objects
          .using(session)
          .orderBy('id')
          .prefetchRelated('articles', new Prefetch('comments', Comment.objects.orderBy('-createdAt').slice(0, 2), { toAttr: 'recent' }))
          .fetch(),
      );
      for (const result of later) {
        t.same(result.map((a) => snapshot(a, paths)), first.map((a) => snapshot(a, paths)));
        t.same(result.map((a) => (a.recent as { id: number }[]).map((c) => c.id)), first.map((a) => (a.recent as { id: number }[]).map((c) => c.id)));
      }
      for (const author of later[1]) {
        for (const article of loaded(author, 'articles') as ModelInstance[]) t.equal((article as any).authorId, author.id);
      }
    });

    await t.test('versions and saves after a generated hydration', async (t) => {
      const load = () => Author.objects.using(session).withVersion().orderBy('id').fetch();
      await load();
      await load();
      const [author] = await load();
      author.bio = 'changed by the hydrate test';
      await session.transaction(() => author.save({ using: session }));
      const again = await Author.objects.using(session).filter({ id: author.id }).fetch();
      t.equal(again[0].bio, 'changed by the hydrate test', 'save() wrote the changed field');
      t.equal(again[0].name, author.name, 'and left the others');
    });
  });
});
