/**
 * A small blog, inserted by the tests themselves: every case of API.md §2–4
 * (ties, NULLs, anonymous comments, empty relations, a reaction whose target
 * is gone) with ids known in advance.
 */
import { type Kysely, sql } from 'kysely';

const at = (iso: string) => new Date(iso);

export async function insertBlog(db: Kysely<any>): Promise<void> {
  await db.insertInto('authors').values([
    { id: 1, name: 'Ann', email: 'ann@example.com', bio: 'writes', created_at: at('2025-01-01T00:00:00Z') },
    { id: 2, name: 'Bob', email: 'bob@example.com', bio: null, created_at: at('2025-01-02T00:00:00Z') },
    { id: 3, name: 'Cat', email: 'cat@example.com', bio: null, created_at: at('2025-01-03T00:00:00Z') },
  ]).execute();
  await db.insertInto('categories').values([{ id: 1, name: 'Tech', slug: 'tech' }, { id: 2, name: 'Life', slug: 'life' }]).execute();
  const article = (id: number, authorId: number, categoryId: number | null, published: boolean, pubDate: string | null) => ({
    id, author_id: authorId, category_id: categoryId, title: `A${id}`, body: `body ${id}`, is_published: published,
    pub_date: pubDate ? at(pubDate) : null, created_at: at(`2025-01-0${id}T12:00:00.123Z`),
  });
  await db.insertInto('articles').values([
    article(1, 1, 1, true, '2025-01-03T00:00:00Z'),
    article(2, 1, null, true, '2025-01-05T00:00:00Z'),
    article(3, 2, 1, false, null),
    article(4, 1, 1, true, '2025-01-05T00:00:00Z'), // ties article 2 on pubDate
    article(5, 2, null, true, '2025-01-01T00:00:00Z'),
  ]).execute();
  await db.insertInto('tags').values([
    { id: 1, name: 'orm', active: true }, { id: 2, name: 'sql', active: false },
    { id: 3, name: 'zeta', active: true }, { id: 4, name: 'alpha', active: true },
  ]).execute();
  await db.insertInto('article_tags').values([[1, 3], [1, 1], [1, 2], [2, 3], [4, 1]].map(([a, t]) => ({ article_id: a, tag_id: t }))).execute();
  const comment = (id: number, articleId: number, authorId: number | null, time: string) => ({
    id, article_id: articleId, author_id: authorId, body: `comment ${id}`, created_at: at(`2025-02-01T${time}Z`),
  });
  await db.insertInto('comments').values([
    comment(1, 1, 2, '01:00:00'), comment(2, 1, null, '02:00:00'), comment(3, 1, 1, '03:00:00'),
    comment(4, 1, 2, '03:00:00'), // ties comment 3 on createdAt
    comment(5, 2, 1, '01:00:00'), comment(6, 4, null, '05:00:00'), comment(7, 1, 3, '00:30:00'),
  ]).execute();
  const reaction = (id: number, type: string, target: number, kind: string, authorId: number | null) => ({
    id, target_type: type, target_id: target, kind, author_id: authorId, created_at: at('2025-03-01T00:00:00Z'),
  });
  await db.insertInto('reactions').values([
    reaction(1, 'article', 1, 'like', 1), reaction(2, 'comment', 2, 'love', null), reaction(3, 'article', 2, 'like', 2),
    reaction(4, 'comment', 99, 'like', 1), // its comment no longer exists
    reaction(5, 'article', 1, 'love', 3),
  ]).execute();
  // Explicit ids leave the sequences behind; later inserts must not collide.
  for (const table of ['authors', 'categories', 'articles', 'tags', 'comments', 'reactions']) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), 100)`.execute(db);
  }
}
