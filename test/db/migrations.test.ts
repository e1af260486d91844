/**
 * The schema after all migrations: timestamps hold milliseconds (what the
 * API prints and what a keyset cursor carries), and migrating again is a no-op.
 */
import { sql } from 'kysely';
import t from 'tap';
import { migrateToLatest } from '../../src/db/migrate.js';
import { eachDatabase } from '../helpers/databases.js';

t.test('migrations', async (t) => {
  await eachDatabase(t, async (t, { db }) => {
    const again = await migrateToLatest(db);
    t.same(again.results, [], 'a migrated database gets nothing more');

    const { rows } = await sql<{ table_name: string; column_name: string; datetime_precision: number }>`
      select table_name, column_name, datetime_precision from information_schema.columns
       where table_schema = 'public' and data_type = 'timestamp with time zone' order by table_name, column_name`.execute(db);
    t.ok(rows.length >= 5, 'every timestamp column is listed');
    for (const row of rows) t.equal(Number(row.datetime_precision), 3, `${row.table_name}.${row.column_name} keeps milliseconds`);

    await sql`insert into authors (name, email, created_at) values ('M', 'm@example.com', '2025-01-01 00:00:00.123456+00')`.execute(db);
    const stored = await sql<{ created_at: Date }>`select created_at from authors where email = 'm@example.com'`.execute(db);
    t.equal(stored.rows[0].created_at.toISOString(), '2025-01-01T00:00:00.123Z', 'microseconds are rounded away on write');

    const indexes = await sql<{ indexname: string; indexdef: string }>`
      select indexname, indexdef from pg_indexes where schemaname = 'public'`.execute(db);
    const definition = (name: string) => indexes.rows.find((row) => row.indexname === name)?.indexdef ?? `(no index ${name})`;
    // 0003: the API's orderings, NULLS LAST included (a plain `desc` is NULLS FIRST).
    t.match(definition('articles_author_pub_date_id_idx'), /\(author_id, pub_date DESC NULLS LAST, id DESC\)/);
    t.match(definition('articles_pub_date_id_idx'), /\(pub_date DESC NULLS LAST, id\)/);
    t.match(definition('comments_article_id_created_at_id_idx'), /\(article_id, created_at DESC, id DESC\)/);
    t.match(definition('comments_author_created_at_id_idx'), /\(author_id, created_at DESC, id DESC\)/);
    t.match(definition('comments_created_at_id_idx'), /\(created_at, id\)/);
    t.match(definition('reactions_target_id_idx'), /\(target_type, target_id, id\)/);
    // 0006: counts.
    t.match(definition('articles_author_id_published_idx'), /\(author_id\) WHERE is_published/);
    t.match(definition('articles_published_id_idx'), /\(id\) WHERE is_published/);
    t.match(definition('article_tags_tag_id_article_id_idx'), /\(tag_id, article_id\)/);
    for (const replaced of ['articles_author_id_pub_date_idx', 'comments_author_id_idx', 'reactions_target_idx', 'article_tags_tag_id_idx']) {
      t.notOk(indexes.rows.some((row) => row.indexname === replaced), `${replaced} is replaced by a wider index`);
    }
  });
});
