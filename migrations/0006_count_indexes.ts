import { type Kysely, sql } from 'kysely';

/**
 * Indexes for counts (API.md §7). A count is a `count(*)` over the related
 * rows of one parent (or, to sort a whole table by it, of every parent in one
 * grouped pass), so it is cheapest as an index-only scan of an index that
 * starts with the parent key and holds every column its filter reads. The
 * plain counts already have one: comments (article_id, ...), article_tags'
 * primary key (article_id, tag_id), reactions (target_type, target_id, ...),
 * articles (author_id, ...) and (category_id), comments (author_id, ...).
 * Measured at scale 1 (docs/PERFORMANCE.md, "Counts and HTTP caching"):
 * - `articles:published` per author read each of the author's articles from
 *   the heap to test is_published: a partial index of the published ones;
 * - `articles:published` through a tag: the planner hash-joined all 10,000
 *   articles once per tag (2.5 s for 200 tags); the published articles' ids as
 *   a partial index make it a probe per linked article (83 ms);
 * - a tag's articles: `(tag_id, article_id)` instead of `(tag_id)`, so the
 *   junction is read from the index alone.
 */
const UP = [
  `create index articles_author_id_published_idx on articles (author_id) where is_published`,
  `create index articles_published_id_idx on articles (id) where is_published`,
  `create index article_tags_tag_id_article_id_idx on article_tags (tag_id, article_id)`,
  `drop index article_tags_tag_id_idx`,
];

const DOWN = [
  `create index article_tags_tag_id_idx on article_tags (tag_id)`,
  `drop index article_tags_tag_id_article_id_idx`,
  `drop index articles_published_id_idx`,
  `drop index articles_author_id_published_idx`,
];

export async function up(db: Kysely<any>): Promise<void> {
  // One statement per call: PGlite's extended protocol takes a single statement.
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
