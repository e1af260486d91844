import { type Kysely, sql } from 'kysely';

/**
 * API tokens (API.md §6). Only a hash of each token's secret is stored: a
 * copy of the table grants nothing. `author_id` is the author a token acts
 * for, NULL for an admin token; a revoked token keeps its row (who had it,
 * when it stopped) and stops working within the verifier's cache TTL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table api_tokens (
        id bigserial primary key,
        secret_hash text not null,
        author_id bigint null references authors on delete cascade,
        created_at timestamptz(3) not null default now(),
        revoked_at timestamptz(3) null
      )`.execute(db);
  await sql`create index api_tokens_author_id_idx on api_tokens (author_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table api_tokens`.execute(db);
}
