import { type Kysely, sql } from 'kysely';

/**
 * Indexes in the exact order (NULLS LAST included) of every preset, default
 * ordering and common sort, so a top-k per parent, a page and a keyset page
 * read k rows in index order instead of sorting every candidate. Each is
 * justified by an EXPLAIN in docs/PERFORMANCE.md ("Indexes").
 *
 * PostgreSQL's `desc` means NULLS FIRST: 0001's `(author_id, pub_date desc)`
 * could not give `pub_date desc nulls last`, the order the API sorts in.
 */
const UP = [
  // article:recentN / published per author, and filter[authorId] with sort=-pubDate
  // (the pk tie-breaker ascending then costs an incremental sort of equal dates only).
  `create index articles_author_pub_date_id_idx on articles (author_id, pub_date desc nulls last, id desc)`,
  `drop index articles_author_id_pub_date_idx`,
  // sort=-pubDate (pub_date desc nulls last, id asc), its keyset pages included.
  `create index articles_pub_date_id_idx on articles (pub_date desc nulls last, id)`,
  // author.comments:recentN (created_at desc, id desc per author); replaces the plain FK index.
  `create index comments_author_created_at_id_idx on comments (author_id, created_at desc, id desc)`,
  `drop index comments_author_id_idx`,
  // GET /comments in its default ordering (createdAt, id) and its keyset pages.
  `create index comments_created_at_id_idx on comments (created_at, id)`,
  // reactions of an article or comment in their default ordering (id); replaces (target_type, target_id).
  `create index reactions_target_id_idx on reactions (target_type, target_id, id)`,
  `drop index reactions_target_idx`,
];

const DOWN = [
  `create index reactions_target_idx on reactions (target_type, target_id)`,
  `drop index reactions_target_id_idx`,
  `drop index comments_created_at_id_idx`,
  `create index comments_author_id_idx on comments (author_id)`,
  `drop index comments_author_created_at_id_idx`,
  `drop index articles_pub_date_id_idx`,
  `create index articles_author_id_pub_date_idx on articles (author_id, pub_date desc)`,
  `drop index articles_author_pub_date_id_idx`,
];

export async function up(db: Kysely<any>): Promise<void> {
  // One statement per call: PGlite's extended protocol takes a single statement.
  for (const statement of UP) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of DOWN) await sql.raw(statement).execute(db);
}
