import { type Kysely, sql } from 'kysely';

/**
 * Idempotency-Key (API.md §5): one row per (principal, key), claimed before a
 * POST runs (`status` NULL while it is in flight) and completed with the
 * response in the POST's own transaction, so a key is answered by exactly the
 * write that committed. Rows older than 24 hours are dead; they are deleted
 * by later claims, a few at a time (no cron).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table idempotency_keys (
        principal text not null,
        key text not null,
        request_hash text not null,
        status integer null,
        response jsonb null,
        created_at timestamptz(3) not null default now(),
        primary key (principal, key)
      )`.execute(db);
  await sql`create index idempotency_keys_created_at_idx on idempotency_keys (created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table idempotency_keys`.execute(db);
}
