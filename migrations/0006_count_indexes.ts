import { type Kysely, sql } from 'kysely';

/**
 * Indexes for counts (API.md §7). A count is a correlated `count(*)` over the
 * related rows of one parent, so it is cheapest as an index-only scan of an
 * index that starts with the parent key and holds every column its filter
 * reads. The plain counts already have one: comments (article_id, ...),
 * article_tags' primary key (article_id, tag_id) and (tag_id), reactions
 * (target_type, target_id, ...), articles (author_id, ...) and (category_id),
 * comments (author_id, ...). The filter preset `articles:published` is not
 * covered: counting an author's published articles read every one of their
 * articles from the heap to test is_published. A partial index of the
 * published ones makes it an index-only scan (docs/PERFORMANCE.md, "Counts").
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index articles_author_id_published_idx on articles (author_id) where is_published`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index articles_author_id_published_idx`.execute(db);
}
