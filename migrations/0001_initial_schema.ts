import { type Kysely, sql } from 'kysely';

const SCHEMA = [
  `create table authors (
        id bigserial primary key,
        name text not null,
        email text not null unique,
        bio text null,
        created_at timestamptz not null default now()
      )`,
  `create table categories (
        id bigserial primary key,
        name text not null unique,
        slug text not null unique
      )`,
  `create table articles (
        id bigserial primary key,
        author_id bigint not null references authors on delete cascade,
        category_id bigint null references categories on delete set null,
        title text not null,
        body text not null,
        is_published boolean not null default false,
        pub_date timestamptz null,
        created_at timestamptz not null default now()
      )`,
  `create index articles_author_id_pub_date_idx on articles (author_id, pub_date desc)`,
  `create index articles_category_id_idx on articles (category_id)`,
  `create table tags (
        id bigserial primary key,
        name text not null unique,
        active boolean not null default true
      )`,
  `create table article_tags (
        article_id bigint not null references articles on delete cascade,
        tag_id bigint not null references tags on delete cascade,
        primary key (article_id, tag_id)
      )`,
  `create index article_tags_tag_id_idx on article_tags (tag_id)`,
  `create table comments (
        id bigserial primary key,
        article_id bigint not null references articles on delete cascade,
        author_id bigint null references authors on delete set null,
        body text not null,
        created_at timestamptz not null default now()
      )`,
  `create index comments_article_id_created_at_id_idx on comments (article_id, created_at desc, id desc)`,
  `create index comments_author_id_idx on comments (author_id)`,
  `create table reactions (
        id bigserial primary key,
        target_type text not null check (target_type in ('article', 'comment')),
        target_id bigint not null,
        kind text not null,
        author_id bigint null references authors on delete set null,
        created_at timestamptz not null default now()
      )`,
  `create index reactions_target_idx on reactions (target_type, target_id)`,
  `create index reactions_author_id_idx on reactions (author_id)`,
];

/** The schema of API.md section 1, with the indexes it requires. */
export async function up(db: Kysely<any>): Promise<void> {
  // One statement per call: PGlite's extended protocol takes a single statement.
  for (const statement of SCHEMA) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table reactions, comments, article_tags, tags, articles, categories, authors`.execute(db);
}
