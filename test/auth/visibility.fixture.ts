/**
 * The blog of test/app/blog.fixture.ts plus rows only some principals see:
 * Cat's unpublished article 6 (tagged orm) with comments 8 (by Ann) and 9
 * (anonymous), a reaction on the article (6) and one on comment 8 (7).
 * Bob's unpublished article 3 is in the blog already, and reaction 4 points
 * at a comment that does not exist.
 */
import { type Kysely, sql } from 'kysely';
import { insertBlog } from '../app/blog.fixture.js';

export const ANN = 1;
export const BOB = 2;
export const CAT = 3;

export async function insertVisibilityBlog(db: Kysely<any>): Promise<void> {
  await insertBlog(db);
  await db.insertInto('articles').values({
    id: 6, author_id: CAT, category_id: 2, title: 'A6', body: 'draft', is_published: false, pub_date: null,
    created_at: new Date('2025-01-06T12:00:00Z'),
  }).execute();
  await db.insertInto('article_tags').values({ article_id: 6, tag_id: 1 }).execute();
  await db.insertInto('comments').values([
    { id: 8, article_id: 6, author_id: ANN, body: 'comment 8', created_at: new Date('2025-02-02T00:00:00Z') },
    { id: 9, article_id: 6, author_id: null, body: 'comment 9', created_at: new Date('2025-02-03T00:00:00Z') },
  ]).execute();
  await db.insertInto('reactions').values([
    { id: 6, target_type: 'article', target_id: 6, kind: 'like', author_id: ANN, created_at: new Date('2025-03-02T00:00:00Z') },
    { id: 7, target_type: 'comment', target_id: 8, kind: 'love', author_id: BOB, created_at: new Date('2025-03-03T00:00:00Z') },
  ]).execute();
  for (const table of ['articles', 'comments', 'reactions']) {
    await sql`select setval(pg_get_serial_sequence(${table}, 'id'), 100)`.execute(db);
  }
}
